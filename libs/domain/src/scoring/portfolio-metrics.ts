import { AccountState } from '../account/account-state';
import { EventType } from '../events/event-catalog';
import { Severity, SEVERITIES } from '../events/event-data';
import { arrOn, roundCents } from './arr';
import { medianOfSorted } from './median';

export interface CurrencyMetrics {
  currency: string;
  cohortSize: number;
  startingArr: number;
  endingArr: number;
  grr: number;
  nrr: number;
  churnedArr: number;
  contractionArr: number;
  expansionArr: number;
  logoChurnRate: number;
  churnedAccounts: number;
}

export interface PortfolioMetrics {
  from: string;
  to: string;
  currencies: CurrencyMetrics[];
  renewals: { won: number; lost: number; rate: number | null };
  nps: { responses: number; promoters: number; detractors: number; score: number | null };
  /** Renewals lost in the period, per loss reason. */
  lossReasons: Record<string, number>;
  /** Per severity: tickets opened and resolved in the period, and the median hours to resolve those resolved. */
  tickets: Array<{ severity: Severity; opened: number; resolved: number; medianResolutionHours: number | null }>;
}

/**
 * The event types `portfolioMetrics` depends on (ARR from contracts and renewals, renewal outcomes, NPS, and the
 * retractions of any of them): a fold of only these gives the same metrics, for a fraction of the events.
 */
export const METRICS_EVENT_TYPES: readonly EventType[] = [
  'ContractSigned',
  'ContractAmended',
  'ContractTerminated',
  'RenewalOpened',
  'RenewalWon',
  'RenewalLost',
  'SurveyResponded',
  'SupportTicketOpened',
  'SupportTicketResolved',
  'EventRetracted',
];

const ratio = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * scoring.md's portfolio metrics over the days [from, to): the cohort of each currency is the accounts with ARR in it
 * on `from`; the end state is the ARR in force on `to`, the first day after the period. Ratios have 4 decimals.
 */
export function portfolioMetrics(accounts: readonly AccountState[], from: string, to: string): PortfolioMetrics {
  const fromMs = Date.parse(`${from}T00:00:00Z`);
  const toMs = Date.parse(`${to}T00:00:00Z`);
  const inPeriod = (at: number) => at >= fromMs && at < toMs;
  const outcomes: Array<RenewalOutcome> = [];
  const latestNps: number[] = [];
  const tickets: Array<TicketFigures> = [];
  for (const account of accounts) {
    for (const renewal of account.renewals.values())
      if (renewal.outcome && inPeriod(renewal.outcome.at)) outcomes.push({ outcome: renewal.outcome.kind, reason: renewal.outcome.reason });
    for (const ticket of account.tickets.values()) {
      const resolvedAt = ticket.resolvedAt !== undefined && inPeriod(ticket.resolvedAt) ? ticket.resolvedAt : undefined;
      if (!inPeriod(ticket.openedAt) && resolvedAt === undefined) continue;
      tickets.push({
        severity: ticket.severity,
        openedInPeriod: inPeriod(ticket.openedAt),
        resolutionHours: resolvedAt === undefined ? undefined : (resolvedAt - ticket.openedAt) / 3_600_000,
      });
    }
    const latest = account.surveys
      .filter((s) => s.kind === 'nps' && inPeriod(s.at))
      .sort((a, b) => a.at - b.at)
      .pop();
    if (latest) latestNps.push(latest.score);
  }
  return metricsFrom({
    from,
    to,
    arr: accounts.map((a) => ({ from: arrOn(a, from), to: arrOn(a, to) })),
    renewalOutcomes: outcomes,
    latestNps,
    tickets,
  });
}

export interface RenewalOutcome {
  outcome: 'won' | 'lost';
  /** The loss reason of a lost renewal. */
  reason?: string;
}

/** A ticket opened or resolved in the period. */
export interface TicketFigures {
  severity: Severity;
  openedInPeriod: boolean;
  /** Hours from opening to resolution, when it was resolved in the period. */
  resolutionHours?: number;
}

export interface MetricsInput {
  from: string;
  to: string;
  /** Per account: its ARR per currency on `from` and on `to`. */
  arr: ReadonlyArray<{ from: ReadonlyMap<string, number>; to: ReadonlyMap<string, number> }>;
  /** Outcomes of the renewals closed with occurredAt in [from, to). */
  renewalOutcomes: ReadonlyArray<RenewalOutcome>;
  /** The latest NPS score of each account that answered in [from, to). */
  latestNps: readonly number[];
  /** The tickets opened or resolved in [from, to). */
  tickets: ReadonlyArray<TicketFigures>;
}

/** The formulas, on figures gathered elsewhere (from account states, or from a read model's tables). */
export function metricsFrom(input: MetricsInput): PortfolioMetrics {
  const { from, to } = input;
  const sums = new Map<string, CurrencySums>();
  for (const account of input.arr) {
    const end = account.to;
    for (const [currency, was] of account.from) {
      if (was <= 0) continue;
      const now = end.get(currency) ?? 0;
      const m = sums.get(currency) ?? {
        cohort: 0,
        starting: 0,
        ending: 0,
        retained: 0,
        churned: 0,
        churnedAccounts: 0,
        contraction: 0,
        expansion: 0,
      };
      m.cohort += 1;
      m.starting = roundCents(m.starting + was);
      m.ending = roundCents(m.ending + now);
      m.retained = roundCents(m.retained + Math.min(was, now));
      if (now === 0) {
        m.churned = roundCents(m.churned + was);
        m.churnedAccounts += 1;
      } else if (now < was) m.contraction = roundCents(m.contraction + was - now);
      else if (now > was) m.expansion = roundCents(m.expansion + now - was);
      sums.set(currency, m);
    }
  }
  const currencies = [...sums.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, m]) => ({
      currency,
      cohortSize: m.cohort,
      startingArr: m.starting,
      endingArr: m.ending,
      grr: ratio(m.retained / m.starting),
      nrr: ratio(m.ending / m.starting),
      churnedArr: m.churned,
      contractionArr: m.contraction,
      expansionArr: m.expansion,
      logoChurnRate: ratio(m.churnedAccounts / m.cohort),
      churnedAccounts: m.churnedAccounts,
    }));

  const won = input.renewalOutcomes.filter((o) => o.outcome === 'won').length;
  const lossReasons: Record<string, number> = {};
  for (const o of input.renewalOutcomes)
    if (o.outcome === 'lost') lossReasons[o.reason ?? 'other'] = (lossReasons[o.reason ?? 'other'] ?? 0) + 1;
  const lost = input.renewalOutcomes.length - won;
  const responses = input.latestNps.length;
  const promoters = input.latestNps.filter((score) => score >= 9).length;
  const detractors = input.latestNps.filter((score) => score <= 6).length;
  return {
    from,
    to,
    currencies,
    renewals: { won, lost, rate: won + lost > 0 ? ratio(won / (won + lost)) : null },
    nps: {
      responses,
      promoters,
      detractors,
      score: responses > 0 ? Math.round(((promoters - detractors) / responses) * 10_000) / 100 : null,
    },
    lossReasons,
    tickets: SEVERITIES.map((severity) => {
      const of = input.tickets.filter((t) => t.severity === severity);
      const hours = of.flatMap((t) => (t.resolutionHours === undefined ? [] : [t.resolutionHours])).sort((a, b) => a - b);
      const median = medianOfSorted(hours);
      return {
        severity,
        opened: of.filter((t) => t.openedInPeriod).length,
        resolved: hours.length,
        medianResolutionHours: median === undefined ? null : Math.round(median * 100) / 100,
      };
    }),
  };
}

/** A currency appears only with a cohort account, whose ARR on `from` is > 0: the ratios' denominators are never 0. */
interface CurrencySums {
  cohort: number;
  starting: number;
  ending: number;
  retained: number;
  churned: number;
  churnedAccounts: number;
  contraction: number;
  expansion: number;
}
