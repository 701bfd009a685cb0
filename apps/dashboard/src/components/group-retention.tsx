import { useMemo, useState } from 'preact/hooks';
import { quarterLabel, quarters } from '../periods';
import { Show } from './states';
import { useApi } from './use-api';

interface CurrencyFigures {
  currency: string;
  grr: number | null;
  nrr: number | null;
}
interface Series {
  periods: Array<{
    from: string;
    to: string;
    currencies: CurrencyFigures[];
    groups?: Array<{ key: string | boolean | null; currencies: CurrencyFigures[] }>;
  }>;
}

const GROUPINGS: Array<[string, string]> = [
  ['keyAccount', 'key-account programme'],
  ['ownerId', 'owner'],
  ['segment', 'segment'],
];

const groupLabel = (groupBy: string, key: string | boolean | null) =>
  groupBy === 'keyAccount' ? (key ? 'key accounts' : 'other accounts') : key === null ? 'none recorded' : String(key);
const percent = (value: number | null | undefined) => (value === null || value === undefined ? '–' : `${Math.round(value * 1000) / 10} %`);

/** GRR and NRR quarter by quarter per group (the key-account programme against the rest, by default), in the first currency. */
export function GroupRetention(props: { reload: number }) {
  const [groupBy, setGroupBy] = useState('keyAccount');
  const { from, to } = useMemo(() => {
    const last = quarters(4, new Date());
    return { from: last[0].from, to: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) };
  }, []);
  const series = useApi<Series>(`/v1/portfolio/metrics/series?from=${from}&to=${to}&interval=quarter&groupBy=${groupBy}`, props.reload);
  return (
    <>
      <label>
        Per{' '}
        <select aria-label="Group by" value={groupBy} onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value)}>
          {GROUPINGS.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <Show state={series} empty={(s) => s.periods.every((p) => p.currencies.length === 0)} emptyText="No ARR in these quarters.">
        {(s) => {
          const currency = s.periods.find((p) => p.currencies[0])?.currencies[0]?.currency;
          const keys = [...new Map(s.periods.flatMap((p) => p.groups ?? []).map((g) => [String(g.key), g.key])).values()];
          const cell = (figures: CurrencyFigures[] | undefined) => {
            const f = figures?.find((c) => c.currency === currency);
            return f ? `${percent(f.grr)} / ${percent(f.nrr)}` : '–';
          };
          return (
            <>
              <table aria-label="GRR and NRR per group and quarter">
                <thead>
                  <tr>
                    <th>Group</th>
                    {s.periods.map((p) => (
                      <th key={p.from} title={`${p.from} to ${p.to}`}>
                        {quarterLabel(p.from, p.to)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {keys.map((key) => (
                    <tr key={String(key)}>
                      <td>{groupLabel(groupBy, key)}</td>
                      {s.periods.map((p) => (
                        <td key={p.from}>{cell(p.groups?.find((g) => g.key === key)?.currencies)}</td>
                      ))}
                    </tr>
                  ))}
                  <tr>
                    <td>
                      <strong>all accounts</strong>
                    </td>
                    {s.periods.map((p) => (
                      <td key={p.from}>
                        <strong>{cell(p.currencies)}</strong>
                      </td>
                    ))}
                  </tr>
                </tbody>
              </table>
              <p class="muted">GRR / NRR per calendar quarter (the last to date), in {currency}.</p>
            </>
          );
        }}
      </Show>
    </>
  );
}
