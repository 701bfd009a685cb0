import { useMemo } from 'preact/hooks';
import { quarters } from '../periods';
import { GroupRetention } from '../components/group-retention';
import { LineChart } from '../components/line-chart';
import { Band, money, Panel, Show } from '../components/states';
import { useApi } from '../components/use-api';
import { accountPath, PageLink } from '../components/page-link';
import { navigate, withParam } from '../router';

interface HealthPage {
  items: Array<{
    accountId: string;
    name: string;
    ownerId: string | null;
    keyAccount: boolean;
    score: number | null;
    band: string | null;
    arr: Record<string, number>;
    churnDrivers: string[];
  }>;
  bands: Record<string, number>;
  nextCursor: string | null;
}
interface ChurnPage {
  items: Array<{
    accountId: string;
    name: string;
    score: number;
    drivers: Array<{ name: string; explanation: string }>;
    arrAtRisk: Record<string, number>;
  }>;
  totals: Record<string, number>;
}
interface Expansion {
  accounts: Array<{ accountId: string; name: string; signals: Array<{ name: string; reason: string; potential: Record<string, number> }> }>;
}
interface Metrics {
  currencies: Array<{ currency: string; grr: number; nrr: number; logoChurnRate: number }>;
  renewals: { rate: number | null };
}

const BAND_ORDER = ['red', 'yellow', 'green', 'churned', 'noData'];

function QuarterlyMetrics(props: { reload: number }) {
  const periods = useMemo(() => quarters(8, new Date()), []);
  const loaded = periods.map((p) => useApi<Metrics>(`/v1/portfolio/metrics?from=${p.from}&to=${p.to}`, props.reload));
  const error = loaded.find((l) => l.error)?.error;
  if (error)
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  if (loaded.some((l) => !l.data))
    return (
      <p class="muted" aria-busy="true">
        Loading…
      </p>
    );
  const first = (m: Metrics | undefined, field: 'grr' | 'nrr' | 'logoChurnRate') => {
    const value = m?.currencies[0]?.[field];
    return value === undefined ? null : Math.round(value * 1000) / 10;
  };
  const x = periods.map((p) => Date.parse(`${p.from}T00:00:00Z`) / 1000);
  const series = [
    { label: 'GRR %', color: '#2563eb', values: loaded.map((l) => first(l.data, 'grr')) },
    { label: 'NRR %', color: '#16a34a', values: loaded.map((l) => first(l.data, 'nrr')) },
    { label: 'logo churn %', color: '#dc2626', values: loaded.map((l) => first(l.data, 'logoChurnRate')) },
    {
      label: 'renewal rate %',
      color: '#9333ea',
      values: loaded.map((l) => (l.data?.renewals.rate == null ? null : Math.round(l.data.renewals.rate * 1000) / 10)),
    },
  ];
  const currency = loaded.find((l) => l.data?.currencies[0])?.data?.currencies[0]?.currency;
  return (
    <>
      <LineChart x={x} series={series} label="GRR, NRR, logo churn and renewal rate per quarter" />
      <p class="muted">
        Per quarter, {currency ? `ARR figures in ${currency} (the first currency)` : 'no ARR in these quarters yet'}; renewal rate over all
        currencies.
      </p>
    </>
  );
}

export function Portfolio(props: { url: URL; reload: number }) {
  const { url, reload } = props;
  const band = url.searchParams.get('band');
  const owner = url.searchParams.get('owner');
  const key = url.searchParams.get('key');
  const horizon = url.searchParams.get('horizon') ?? '90';
  const filters = new URLSearchParams({ limit: '50' });
  if (band) filters.set('band', band);
  if (owner) filters.set('ownerId', owner);
  if (key) filters.set('keyAccount', key);
  const health = useApi<HealthPage>(`/v1/portfolio/health?${filters.toString()}`, reload);
  const churn = useApi<ChurnPage>(`/v1/portfolio/churn-risk?limit=10&horizonDays=${horizon}`, reload);
  const expansion = useApi<Expansion>('/v1/portfolio/expansion?limit=10', reload);
  const set = (name: string, value: string | null) => navigate(withParam(url, name, value), { replace: true });

  return (
    <main class="grid">
      <Panel title="Health bands">
        <Show state={health}>
          {(page) => (
            <ul class="bands" aria-label="Accounts per band">
              {BAND_ORDER.map((b) => (
                <li key={b}>
                  <button
                    type="button"
                    class={band === b ? 'active' : ''}
                    onClick={() => set('band', band === b || b === 'noData' ? null : b)}
                  >
                    <Band band={b === 'noData' ? null : b} /> <strong>{page.bands[b] ?? 0}</strong>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Show>
      </Panel>

      <Panel title="ARR at risk">
        <label>
          Horizon{' '}
          <select aria-label="Horizon" value={horizon} onChange={(e) => set('horizon', (e.target as HTMLSelectElement).value)}>
            {['30', '90', '180', '365'].map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </label>
        <Show state={churn}>{(page) => <p class="big">{money(page.totals)}</p>}</Show>
      </Panel>

      <Panel title="Accounts, worst health first" wide>
        <div class="filters">
          <label>
            Band{' '}
            <select aria-label="Band" value={band ?? ''} onChange={(e) => set('band', (e.target as HTMLSelectElement).value || null)}>
              <option value="">all</option>
              {['red', 'yellow', 'green', 'churned'].map((b) => (
                <option key={b} value={b}>
                  {b}
                </option>
              ))}
            </select>
          </label>
          <label>
            Owner{' '}
            <input value={owner ?? ''} onChange={(e) => set('owner', (e.target as HTMLInputElement).value || null)} placeholder="any" />
          </label>
          <label>
            Key accounts{' '}
            <select aria-label="Key accounts" value={key ?? ''} onChange={(e) => set('key', (e.target as HTMLSelectElement).value || null)}>
              <option value="">all</option>
              <option value="true">only</option>
              <option value="false">none</option>
            </select>
          </label>
        </div>
        <Show state={health} empty={(page) => page.items.length === 0} emptyText="No account matches these filters.">
          {(page) => (
            <table>
              <thead>
                <tr>
                  <th>Account</th>
                  <th>Owner</th>
                  <th>Health</th>
                  <th>ARR</th>
                  <th>Churn drivers</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((a) => (
                  <tr key={a.accountId}>
                    <td>
                      <PageLink to={accountPath(a.accountId)}>{a.name ?? a.accountId}</PageLink>
                      {a.keyAccount && <span class="tag">key</span>}
                    </td>
                    <td>{a.ownerId ?? '–'}</td>
                    <td>
                      <Band band={a.band} /> {a.score ?? '–'}
                    </td>
                    <td>{money(a.arr)}</td>
                    <td>
                      {a.churnDrivers.map((d) => (
                        <span class="tag" key={d}>
                          {d}
                        </span>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </Panel>

      <Panel title="Churn risk" wide>
        <Show state={churn} empty={(page) => page.items.length === 0} emptyText="No account at risk.">
          {(page) => (
            <table>
              <thead>
                <tr>
                  <th>Account</th>
                  <th>Risk</th>
                  <th>Drivers</th>
                  <th>ARR at risk</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((a) => (
                  <tr key={a.accountId}>
                    <td>
                      <PageLink to={accountPath(a.accountId)}>{a.name ?? a.accountId}</PageLink>
                    </td>
                    <td>{a.score}</td>
                    <td>
                      {a.drivers.map((d) => (
                        <span class="tag" title={d.explanation} key={d.name}>
                          {d.name}
                        </span>
                      ))}
                    </td>
                    <td>{money(a.arrAtRisk)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </Panel>

      <Panel title="Expansion signals">
        <Show state={expansion} empty={(e) => e.accounts.length === 0} emptyText="No expansion signal.">
          {(e) => (
            <ul class="plain">
              {e.accounts.map((a) => (
                <li key={a.accountId}>
                  <strong>{a.name ?? a.accountId}</strong>: {a.signals.map((s) => `${s.name} (${money(s.potential)})`).join(', ')}
                </li>
              ))}
            </ul>
          )}
        </Show>
      </Panel>

      <Panel title="Retention per quarter">
        <QuarterlyMetrics reload={reload} />
      </Panel>

      <Panel title="Retention per group" wide>
        <GroupRetention reload={reload} />
      </Panel>
    </main>
  );
}
