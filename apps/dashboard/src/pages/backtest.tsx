import { useState } from 'preact/hooks';
import { api } from '../api';
import { LineChart } from '../components/line-chart';
import { Band, Panel, Show } from '../components/states';
import { Loaded, useApi } from '../components/use-api';
import { accountPath, PageLink } from '../components/page-link';
import { navigate, withParam } from '../router';

interface Classification {
  flagged: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}
interface Report {
  outcomes: { total: number; won: number; lost: number };
  bands: Array<{ band: string; won: number; lost: number }>;
  auc: number | null;
  roc: Array<{ threshold: number; falsePositiveRate: number; truePositiveRate: number }>;
  red: Classification;
  churnRisk60: Classification;
  riskiestDecileLift: number | null;
  drivers: Array<{
    driver: string;
    present: { renewals: number; lostRate: number | null };
    absent: { renewals: number; lostRate: number | null };
  }>;
  misses: number;
  rows: Array<{
    accountId: string;
    renewalId: string;
    dueDate: string;
    health: { score: number | null; band: string | null };
    churnRisk: { score: number };
    outcome: string;
  }>;
}
interface WhatIf {
  current: Report;
  proposed: Report;
  scoring: { current: { weights: Record<string, number> } };
}

const figure = (value: number | null | undefined) => (value === null || value === undefined ? '–' : String(value));
const COMPONENTS = ['engagement', 'sentiment', 'support', 'adoption', 'commercial'];

function ReportView(props: { report: Report; title: string }) {
  const r = props.report;
  // The ROC curve from (0, 0) to (1, 1); uPlot wants x ascending, which thresholds from the strictest give.
  const x = [0, ...r.roc.map((p) => p.falsePositiveRate), 1];
  const tpr = [0, ...r.roc.map((p) => p.truePositiveRate), 1];
  return (
    <div class="report" aria-label={props.title}>
      <p>
        {r.outcomes.total} renewals: {r.outcomes.won} won, {r.outcomes.lost} lost. <strong>AUC {figure(r.auc)}</strong>, lift of the
        riskiest tenth {figure(r.riskiestDecileLift)}, {r.misses} misses.
      </p>
      <table aria-label={`${props.title}: outcomes by band`}>
        <thead>
          <tr>
            <th>Predicted band</th>
            <th>Won</th>
            <th>Lost</th>
          </tr>
        </thead>
        <tbody>
          {r.bands.map((b) => (
            <tr key={b.band}>
              <td>
                <Band band={b.band === 'no data' ? null : b.band} />
              </td>
              <td>{b.won}</td>
              <td>{b.lost}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <thead>
          <tr>
            <th>Predicts "lost"</th>
            <th>Flagged</th>
            <th>Precision</th>
            <th>Recall</th>
            <th>F1</th>
          </tr>
        </thead>
        <tbody>
          {(
            [
              ['band red', r.red],
              ['churn risk ≥ 60', r.churnRisk60],
            ] as const
          ).map(([name, c]) => (
            <tr key={name}>
              <td>{name}</td>
              <td>{c.flagged}</td>
              <td>{figure(c.precision)}</td>
              <td>{figure(c.recall)}</td>
              <td>{figure(c.f1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {r.roc.length > 0 && (
        <LineChart
          x={x}
          time={false}
          series={[{ label: 'true positive rate', color: '#2563eb', values: tpr }]}
          yRange={[0, 1]}
          height={200}
          label={`${props.title}: ROC curve of churn risk`}
        />
      )}
    </div>
  );
}

export function Backtest(props: { url: URL }) {
  const { url } = props;
  const to = url.searchParams.get('to') ?? new Date().toISOString().slice(0, 10);
  const from = url.searchParams.get('from') ?? new Date(Date.parse(to) - 730 * 86_400_000).toISOString().slice(0, 10);
  const leadDays = url.searchParams.get('leadDays') ?? '90';
  const report = useApi<Report>(`/v1/portfolio/backtest?from=${from}&to=${to}&leadDays=${leadDays}&rows=misses`);
  const [weights, setWeights] = useState<Record<string, number>>({
    engagement: 0.25,
    sentiment: 0.2,
    support: 0.15,
    adoption: 0.2,
    commercial: 0.2,
  });
  const [whatIf, setWhatIf] = useState<Loaded<WhatIf>>({ loading: false });
  const set = (name: string, value: string) => navigate(withParam(url, name, value), { replace: true });
  const run = () => {
    setWhatIf({ loading: true });
    api<WhatIf>('/v1/portfolio/backtest', { method: 'POST', body: { from, to, leadDays: Number(leadDays), scoring: { weights } } }).then(
      (data) => setWhatIf({ data, loading: false }),
      (error: Error) => setWhatIf({ error: error.message, loading: false }),
    );
  };

  return (
    <main class="grid">
      <Panel title="Does the score predict churn?" wide>
        <div class="filters">
          <label>
            Renewals closed from{' '}
            <input type="date" aria-label="From" value={from} onChange={(e) => set('from', (e.target as HTMLInputElement).value)} />
          </label>
          <label>
            to <input type="date" aria-label="To" value={to} onChange={(e) => set('to', (e.target as HTMLInputElement).value)} />
          </label>
          <label>
            predicted{' '}
            <input
              type="number"
              aria-label="Lead days"
              min="0"
              max="730"
              value={leadDays}
              onChange={(e) => set('leadDays', (e.target as HTMLInputElement).value)}
            />{' '}
            days before due
          </label>
        </div>
        <Show state={report} empty={(r) => r.outcomes.total === 0} emptyText="No renewal was won or lost in this period.">
          {(r) => <ReportView report={r} title="Backtest" />}
        </Show>
      </Panel>

      <Panel title="Drivers">
        <Show state={report} empty={(r) => r.outcomes.total === 0}>
          {(r) => (
            <table>
              <thead>
                <tr>
                  <th>Driver</th>
                  <th>With: lost rate</th>
                  <th>Without: lost rate</th>
                </tr>
              </thead>
              <tbody>
                {r.drivers.map((d) => (
                  <tr key={d.driver}>
                    <td>{d.driver}</td>
                    <td>
                      {figure(d.present.lostRate)} <span class="muted">of {d.present.renewals}</span>
                    </td>
                    <td>
                      {figure(d.absent.lostRate)} <span class="muted">of {d.absent.renewals}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Show>
      </Panel>

      <Panel title="Misses">
        <Show state={report} empty={(r) => r.rows.length === 0} emptyText="No miss: no renewal lost while green, none won while red.">
          {(r) => (
            <ul class="plain">
              {r.rows.map((row) => (
                <li key={`${row.accountId}/${row.renewalId}`}>
                  <PageLink to={accountPath(row.accountId)}>{row.accountId}</PageLink> {row.outcome} while <Band band={row.health.band} />{' '}
                  (due {row.dueDate})
                </li>
              ))}
            </ul>
          )}
        </Show>
      </Panel>

      <Panel title="What if the weights were…" wide>
        <div class="sliders">
          {COMPONENTS.map((name) => (
            <label key={name}>
              {name} <strong>{weights[name].toFixed(2)}</strong>
              <input
                type="range"
                aria-label={`${name} weight`}
                min="0"
                max="1"
                step="0.05"
                value={weights[name]}
                onInput={(e) => setWeights({ ...weights, [name]: Number((e.target as HTMLInputElement).value) })}
              />
            </label>
          ))}
        </div>
        <button type="button" onClick={run} disabled={whatIf.loading}>
          {whatIf.loading ? 'Running…' : 'Run the backtest with these weights'}
        </button>
        {(whatIf.data || whatIf.error) && (
          <Show state={whatIf}>
            {(w) => (
              <div class="side-by-side">
                <div>
                  <h3>Live weights</h3>
                  <ReportView report={w.current} title="Live weights" />
                </div>
                <div>
                  <h3>Proposed weights</h3>
                  <ReportView report={w.proposed} title="Proposed weights" />
                </div>
              </div>
            )}
          </Show>
        )}
      </Panel>
    </main>
  );
}
