import { foldAccount } from '../account/account-state';
import { StoredAccountEvent } from '../events/event-codec';
import { addDays } from '../time/utc-days';
import { contractArrOn, roundCents } from './arr';
import { churnRisk } from './churn-risk';
import { accountHealth, HealthBand } from './health';
import { ChurnDriverName, ScoringConfig } from './scoring-config';

/**
 * The backtest of the health score and churn risk against renewal outcomes (scoring.md, "Backtest"): every renewal
 * closed in [from, to), predicted from the account's events as they stood `leadDays` before it was due.
 */
export interface BacktestOptions {
  /** First day of the outcome period (UTC, YYYY-MM-DD). */
  from: string;
  /** The day after it. */
  to: string;
  leadDays: number;
  /** `valid`: the facts that had occurred by then (imported history works); `recorded`: and had been recorded by then. */
  knowledge: 'valid' | 'recorded';
}

export type Outcome = 'won' | 'lost';

export interface BacktestRow {
  accountId: string;
  renewalId: string;
  contractId: string;
  dueDate: string;
  predictedAt: string;
  health: { score: number | null; band: HealthBand | null };
  churnRisk: { score: number; drivers: ChurnDriverName[] };
  outcome: Outcome;
  /** The renewed contract's ARR on the prediction's day (else its ARR as signed), per currency. */
  arr: Record<string, number>;
}

/** The rows of one account: one per renewal it closed in the period, each predicted without hindsight. */
export function backtestAccount(
  accountId: string,
  events: readonly StoredAccountEvent[],
  options: BacktestOptions,
  config: ScoringConfig,
): BacktestRow[] {
  const fromMs = Date.parse(`${options.from}T00:00:00Z`);
  const toMs = Date.parse(`${options.to}T00:00:00Z`);
  // The outcomes as known now, like the renewal rate of /v1/portfolio/metrics.
  const now = foldAccount(accountId, events);
  const rows: BacktestRow[] = [];
  for (const renewal of now.renewals.values()) {
    if (!renewal.outcome || renewal.outcome.at < fromMs || renewal.outcome.at >= toMs) continue;
    const predictedDay = addDays(renewal.dueDate, -options.leadDays);
    const predictedAt = new Date(`${predictedDay}T00:00:00Z`);
    const known = options.knowledge === 'recorded' ? events.filter((e) => e.recordedAt.getTime() <= predictedAt.getTime()) : events;
    const state = foldAccount(accountId, known, { at: predictedAt });
    const health = accountHealth(state, predictedAt, config);
    const risk = churnRisk(state, health, predictedAt, config);
    const contract = state.contracts.get(renewal.contractId) ?? now.contracts.get(renewal.contractId);
    const arrThen = contract ? contractArrOn(contract, predictedDay) || contract.arr : 0;
    rows.push({
      accountId,
      renewalId: renewal.renewalId,
      contractId: renewal.contractId,
      dueDate: renewal.dueDate,
      predictedAt: predictedAt.toISOString(),
      health: { score: health.score, band: health.band },
      churnRisk: { score: risk.score, drivers: risk.drivers.map((d) => d.name) },
      outcome: renewal.outcome.kind,
      arr: contract && arrThen > 0 ? { [contract.currency]: roundCents(arrThen) } : {},
    });
  }
  return rows;
}

export interface Classification {
  /** Predicted lost: the rule held. */
  flagged: number;
  truePositives: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

export interface DriverEffect {
  driver: ChurnDriverName;
  present: { renewals: number; lost: number; lostRate: number | null };
  absent: { renewals: number; lost: number; lostRate: number | null };
}

export interface BacktestReport {
  from: string;
  to: string;
  leadDays: number;
  knowledge: BacktestOptions['knowledge'];
  outcomes: { total: number; won: number; lost: number };
  bands: Array<{ band: HealthBand | 'no data'; won: number; lost: number }>;
  /** Area under the ROC curve of churn risk as the predictor of a lost renewal (ties count half); null when a class is empty. */
  auc: number | null;
  /** The ROC curve: one point per distinct churn-risk threshold, from the strictest. */
  roc: Array<{ threshold: number; falsePositiveRate: number; truePositiveRate: number }>;
  red: Classification;
  churnRisk60: Classification;
  /** Lost rate of the riskiest tenth (by churn risk) over the lost rate of all; null without outcomes or losses. */
  riskiestDecileLift: number | null;
  drivers: DriverEffect[];
  /** The same outcomes weighted by ARR, per currency. */
  arr: Array<{ currency: string; won: number; lost: number; bands: Array<{ band: HealthBand | 'no data'; won: number; lost: number }> }>;
  rows: BacktestRow[];
}

const ratio = (value: number) => Math.round(value * 10_000) / 10_000;
const rate = (part: number, whole: number) => (whole > 0 ? ratio(part / whole) : null);
const BANDS: Array<HealthBand | 'no data'> = ['red', 'yellow', 'green', 'churned', 'no data'];

/** A miss: lost while green, or won while red. */
export function isMiss(row: BacktestRow): boolean {
  return (row.outcome === 'lost' && row.health.band === 'green') || (row.outcome === 'won' && row.health.band === 'red');
}

/** The report over all rows (in any order: it sorts them by account, then due date, then renewal). */
export function backtestReport(
  input: readonly BacktestRow[],
  options: BacktestOptions,
  drivers: readonly ChurnDriverName[],
): BacktestReport {
  const rows = [...input].sort(
    (a, b) => compare(a.accountId, b.accountId) || compare(a.dueDate, b.dueDate) || compare(a.renewalId, b.renewalId),
  );
  const lost = rows.filter((r) => r.outcome === 'lost').length;
  const bandOf = (r: BacktestRow) => r.health.band ?? 'no data';
  const bands = BANDS.map((band) => ({
    band,
    won: rows.filter((r) => bandOf(r) === band && r.outcome === 'won').length,
    lost: rows.filter((r) => bandOf(r) === band && r.outcome === 'lost').length,
  })).filter((b) => b.band !== 'churned' || b.won + b.lost > 0);

  const byRisk = [...rows].sort((a, b) => b.churnRisk.score - a.churnRisk.score);
  const decile = byRisk.slice(0, Math.ceil(rows.length / 10));
  const decileLost = decile.filter((r) => r.outcome === 'lost').length;

  const currencies = [...new Set(rows.flatMap((r) => Object.keys(r.arr)))].sort(compare);
  const arrOf = (r: BacktestRow, currency: string) => r.arr[currency] ?? 0;
  const sum = (list: BacktestRow[], currency: string) => roundCents(list.reduce((s, r) => s + arrOf(r, currency), 0));

  return {
    from: options.from,
    to: options.to,
    leadDays: options.leadDays,
    knowledge: options.knowledge,
    outcomes: { total: rows.length, won: rows.length - lost, lost },
    bands,
    auc: auc(rows),
    roc: roc(rows),
    red: classification(rows, (r) => r.health.band === 'red'),
    churnRisk60: classification(rows, (r) => r.churnRisk.score >= 60),
    riskiestDecileLift: rows.length > 0 && lost > 0 ? ratio(decileLost / decile.length / (lost / rows.length)) : null,
    drivers: drivers.map((driver) => {
      const present = rows.filter((r) => r.churnRisk.drivers.includes(driver));
      const absent = rows.filter((r) => !r.churnRisk.drivers.includes(driver));
      const lostIn = (list: BacktestRow[]) => list.filter((r) => r.outcome === 'lost').length;
      return {
        driver,
        present: { renewals: present.length, lost: lostIn(present), lostRate: rate(lostIn(present), present.length) },
        absent: { renewals: absent.length, lost: lostIn(absent), lostRate: rate(lostIn(absent), absent.length) },
      };
    }),
    arr: currencies.map((currency) => {
      const inCurrency = rows.filter((r) => arrOf(r, currency) > 0);
      const won = inCurrency.filter((r) => r.outcome === 'won');
      const lostRows = inCurrency.filter((r) => r.outcome === 'lost');
      return {
        currency,
        won: sum(won, currency),
        lost: sum(lostRows, currency),
        bands: bands.map(({ band }) => ({
          band,
          won: sum(
            won.filter((r) => bandOf(r) === band),
            currency,
          ),
          lost: sum(
            lostRows.filter((r) => bandOf(r) === band),
            currency,
          ),
        })),
      };
    }),
    rows,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function classification(rows: readonly BacktestRow[], flag: (row: BacktestRow) => boolean): Classification {
  const flagged = rows.filter(flag);
  const truePositives = flagged.filter((r) => r.outcome === 'lost').length;
  const lost = rows.filter((r) => r.outcome === 'lost').length;
  const precision = rate(truePositives, flagged.length);
  const recall = rate(truePositives, lost);
  const f1 =
    precision !== null && recall !== null && precision + recall > 0 ? ratio((2 * precision * recall) / (precision + recall)) : null;
  return { flagged: flagged.length, truePositives, precision, recall, f1 };
}

/** Mann–Whitney: the share of (lost, won) pairs where the lost one had the higher risk, ties counting half. */
function auc(rows: readonly BacktestRow[]): number | null {
  const lost = rows.filter((r) => r.outcome === 'lost').map((r) => r.churnRisk.score);
  const won = rows.filter((r) => r.outcome === 'won').map((r) => r.churnRisk.score);
  if (lost.length === 0 || won.length === 0) return null;
  // Rank-sum form: O(n log n) rather than every pair.
  const all = [...lost.map((s) => ({ s, lost: true })), ...won.map((s) => ({ s, lost: false }))].sort((a, b) => a.s - b.s);
  let rankSumLost = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j].s === all[i].s) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k].lost) rankSumLost += averageRank;
    i = j;
  }
  return ratio((rankSumLost - (lost.length * (lost.length + 1)) / 2) / (lost.length * won.length));
}

function roc(rows: readonly BacktestRow[]): BacktestReport['roc'] {
  const lost = rows.filter((r) => r.outcome === 'lost').length;
  const won = rows.length - lost;
  if (lost === 0 || won === 0) return [];
  const thresholds = [...new Set(rows.map((r) => r.churnRisk.score))].sort((a, b) => b - a);
  return thresholds.map((threshold) => {
    const flagged = rows.filter((r) => r.churnRisk.score >= threshold);
    const tp = flagged.filter((r) => r.outcome === 'lost').length;
    return { threshold, falsePositiveRate: ratio((flagged.length - tp) / won), truePositiveRate: ratio(tp / lost) };
  });
}
