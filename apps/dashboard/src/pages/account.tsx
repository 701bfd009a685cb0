import { useMemo, useState } from 'preact/hooks';
import { LineChart } from '../components/line-chart';
import { Band, money, Panel, Show } from '../components/states';
import { useApi } from '../components/use-api';
import { PageLink } from '../components/page-link';
import { PlanPanel, RelationshipPanel } from './account-practice';
import { navigate, withParam } from '../router';

interface Profile {
  name: string;
  segment: string | null;
  ownerId: string | null;
  keyAccount: boolean;
  arr: Record<string, number>;
  products: string[];
  churnRisk: { score: number; drivers: Array<{ name: string; points: number; explanation: string }>; arrAtRisk: Record<string, number> };
  openRenewals: Array<{ renewalId: string; contractId: string; dueDate: string }>;
  asOf: string | number | null;
}
interface Health {
  score: number | null;
  band: string | null;
  coverage: number;
  components: Array<{ name: string; score: number | null; weight: number; hasData: boolean; explanation: string }>;
}
interface History {
  points: Array<{ date: string; score: number | null; band: string | null }>;
}
interface Timeline {
  events: Array<{ eventId: string; type: string; occurredAt: string; recordedAt: string; source: { system: string }; recordedBy?: string }>;
}
interface Changes {
  from: { at: string; score: number | null; band: string | null };
  to: { at: string; score: number | null; band: string | null };
  delta: number | null;
  components: Array<{
    name: string;
    before: number | null;
    after: number | null;
    delta: number | null;
    causes: Array<{ eventId: string; change: string; impact: number | null }>;
    passageOfTime: { delta: number; explanation: string } | null;
  }>;
  causes: Array<{
    eventId: string;
    change: string;
    type: string;
    occurredAt: string;
    recordedAt: string;
    source: { system: string };
    recordedBy: string | null;
  }>;
}

const day = (seconds: number) => new Date(seconds * 1000).toISOString().slice(0, 10);

/** Why it changed between the two picked days (end of each day), as known when the chart was drawn (now, or the as-of). */
function WhyItChanged(props: { accountId: string; from: string; to: string; asOf: string | null }) {
  const endOf = (d: string) => {
    const end = new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000 - 1);
    return (end.getTime() > Date.now() ? new Date() : end).toISOString();
  };
  const changes = useApi<Changes>(
    `/v1/accounts/${encodeURIComponent(props.accountId)}/health/changes?from=${endOf(props.from)}&to=${endOf(props.to)}` +
      `&asOf=${encodeURIComponent(props.asOf ?? new Date().toISOString())}`,
  );
  return (
    <Show state={changes}>
      {(c) => (
        <div class="changes" aria-label="Why it changed">
          <p>
            <strong>{props.from}</strong> <Band band={c.from.band} /> {c.from.score ?? '–'} → <strong>{props.to}</strong>{' '}
            <Band band={c.to.band} /> {c.to.score ?? '–'} ({c.delta === null ? 'no score' : c.delta > 0 ? `+${c.delta}` : c.delta})
          </p>
          <ul class="plain">
            {c.components
              .filter((k) => k.before !== k.after || k.causes.length > 0 || k.passageOfTime)
              .map((k) => (
                <li key={k.name}>
                  <strong>{k.name}</strong> {k.before ?? '–'} → {k.after ?? '–'}
                  {k.passageOfTime && (
                    <span class="muted">
                      {' '}
                      · time alone {k.passageOfTime.delta > 0 ? '+' : ''}
                      {k.passageOfTime.delta}: {k.passageOfTime.explanation}
                    </span>
                  )}
                  {k.causes.map((cause) => {
                    const event = c.causes.find((e) => e.eventId === cause.eventId);
                    return (
                      <div class="cause" key={cause.eventId}>
                        {cause.change === 'retracted' ? 'retracted: ' : ''}
                        {event?.type} of {event?.occurredAt.slice(0, 10)} from {event?.source.system}
                        {event?.recordedBy ? `, recorded by ${event.recordedBy}` : ''}
                        {cause.impact !== null ? ` (${cause.impact > 0 ? '+' : ''}${cause.impact})` : ''}
                      </div>
                    );
                  })}
                </li>
              ))}
          </ul>
          {c.causes.length === 0 && <p class="muted">No event came in or left between these days: only time moved the figures.</p>}
        </div>
      )}
    </Show>
  );
}

export function Account(props: { accountId: string; url: URL; reload: number }) {
  const { accountId, url, reload } = props;
  const asOf = url.searchParams.get('asOf');
  const id = encodeURIComponent(accountId);
  const knowledge = asOf ? `asOf=${encodeURIComponent(asOf)}` : '';
  const profile = useApi<Profile>(`/v1/accounts/${id}${knowledge ? `?${knowledge}` : ''}`, reload);
  const health = useApi<Health>(`/v1/accounts/${id}/health${knowledge ? `?${knowledge}` : ''}`, reload);
  const today = new Date().toISOString().slice(0, 10);
  const yearAgo = new Date(Date.now() - 364 * 86_400_000).toISOString().slice(0, 10);
  const history = useApi<History>(
    `/v1/accounts/${id}/health/history?from=${yearAgo}&to=${today}${knowledge ? `&${knowledge}` : ''}`,
    reload,
  );
  const timeline = useApi<Timeline>(`/v1/accounts/${id}/timeline?limit=200${knowledge ? `&${knowledge}` : ''}`, reload);
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (x: number) => setPicked((p) => (p.length >= 2 ? [day(x)] : [...p, day(x)].sort()));
  const chart = useMemo(() => {
    const points = history.data?.points ?? [];
    return {
      x: points.map((p) => Date.parse(`${p.date}T00:00:00Z`) / 1000),
      series: [{ label: 'health', color: '#2563eb', values: points.map((p) => p.score) }],
    };
  }, [history.data]);

  return (
    <main class="grid">
      <nav class="crumbs wide">
        <PageLink to="/">Portfolio</PageLink> / {profile.data?.name ?? accountId}
        <label class="as-of">
          As known on{' '}
          <input
            type="datetime-local"
            aria-label="As known on (knowledge time)"
            value={asOf ? asOf.slice(0, 16) : ''}
            onChange={(e) => {
              const value = (e.target as HTMLInputElement).value;
              navigate(withParam(url, 'asOf', value ? new Date(`${value}Z`).toISOString() : null), { replace: true });
            }}
          />
          {asOf && (
            <button type="button" onClick={() => navigate(withParam(url, 'asOf', null), { replace: true })}>
              now
            </button>
          )}
        </label>
      </nav>

      <Panel title="Profile">
        <Show state={profile}>
          {(p) => (
            <dl>
              <dt>Name</dt>
              <dd>
                {p.name} {p.keyAccount && <span class="tag">key account</span>}
              </dd>
              <dt>Segment</dt>
              <dd>{p.segment ?? '–'}</dd>
              <dt>Owner</dt>
              <dd>{p.ownerId ?? '–'}</dd>
              <dt>ARR</dt>
              <dd>{money(p.arr)}</dd>
              <dt>Products</dt>
              <dd>{p.products.join(', ') || '–'}</dd>
            </dl>
          )}
        </Show>
      </Panel>

      <Panel title="Health">
        <Show state={health}>
          {(h) => (
            <>
              <p class="big">
                <Band band={h.band} /> {h.score ?? '–'} <span class="muted">coverage {Math.round(h.coverage * 100)} %</span>
              </p>
              <table>
                <thead>
                  <tr>
                    <th>Component</th>
                    <th>Score</th>
                    <th>Weight</th>
                    <th>Why</th>
                  </tr>
                </thead>
                <tbody>
                  {h.components.map((c) => (
                    <tr key={c.name}>
                      <td>{c.name}</td>
                      <td>{c.score ?? '–'}</td>
                      <td>{c.weight}</td>
                      <td class="why">{c.explanation}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </Show>
      </Panel>

      <Panel title="Health over the last year" wide>
        <Show state={history} empty={(h) => h.points.length === 0}>
          {() => (
            <>
              <LineChart
                x={chart.x}
                series={chart.series}
                yRange={[0, 100]}
                onPick={pick}
                label="Health score per day over the last year"
              />
              <p class="muted">Click two days on the chart, or choose them here, to see what changed between them and why.</p>
              <div class="filters">
                <label>
                  From{' '}
                  <input
                    type="date"
                    aria-label="From day"
                    max={today}
                    value={picked[0] ?? ''}
                    onChange={(e) => {
                      const value = (e.target as HTMLInputElement).value;
                      if (value) setPicked([value, picked[1] ?? today].sort());
                    }}
                  />
                </label>
                <label>
                  To{' '}
                  <input
                    type="date"
                    aria-label="To day"
                    max={today}
                    value={picked[1] ?? ''}
                    onChange={(e) => {
                      const value = (e.target as HTMLInputElement).value;
                      if (value) setPicked([picked[0] ?? yearAgo, value].sort());
                    }}
                  />
                </label>
              </div>
            </>
          )}
        </Show>
        {picked.length === 2 && (
          <WhyItChanged key={`${picked[0]}/${picked[1]}/${asOf ?? ''}`} accountId={accountId} from={picked[0]} to={picked[1]} asOf={asOf} />
        )}
      </Panel>

      <Panel title="Churn risk">
        <Show state={profile}>
          {(p) => (
            <>
              <p class="big">{p.churnRisk.score}</p>
              <ul class="plain">
                {p.churnRisk.drivers.map((d) => (
                  <li key={d.name}>
                    <strong>{d.name}</strong> (+{d.points}): {d.explanation}
                  </li>
                ))}
              </ul>
              {p.churnRisk.drivers.length === 0 && <p class="muted">No churn driver.</p>}
            </>
          )}
        </Show>
      </Panel>

      <Panel title="Open renewals">
        <Show state={profile} empty={(p) => p.openRenewals.length === 0} emptyText="No open renewal.">
          {(p) => (
            <ul class="plain">
              {p.openRenewals.map((r) => (
                <li key={r.renewalId}>
                  {r.renewalId} of {r.contractId}, due {r.dueDate}
                </li>
              ))}
            </ul>
          )}
        </Show>
      </Panel>

      <PlanPanel accountId={accountId} knowledge={knowledge} reload={reload} />

      <RelationshipPanel accountId={accountId} knowledge={knowledge} reload={reload} />

      <Panel title="Timeline" wide>
        <Show state={timeline} empty={(t) => t.events.length === 0}>
          {(t) => (
            <table>
              <thead>
                <tr>
                  <th>Occurred</th>
                  <th>Event</th>
                  <th>Source</th>
                  <th>Recorded</th>
                  <th>Recorded by</th>
                </tr>
              </thead>
              <tbody>
                {[...t.events].reverse().map((e) => (
                  <tr key={e.eventId}>
                    <td>{e.occurredAt.slice(0, 10)}</td>
                    <td>{e.type}</td>
                    <td>{e.source.system}</td>
                    <td>{e.recordedAt.slice(0, 16).replace('T', ' ')}</td>
                    <td>{e.recordedBy ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </Panel>
    </main>
  );
}
