import { AccountState } from '../account/account-state';
import { addDays, DAY_MS, utcDay } from '../time/utc-days';
import { contractArrOn, roundCents } from './arr';
import { Health } from './health';
import { cadenceStatus, championLost, competitorsPresent, invoicesOverdue, overdueActions, stakeholderCoverage } from './relationship';
import { ChurnDriverName, ScoringConfig } from './scoring-config';

export interface ChurnDriver {
  name: ChurnDriverName;
  points: number;
  explanation: string;
}

export interface ChurnRisk {
  /** 0–100: 100 − health (50 when health has no data), plus the drivers' points, capped at 100. */
  score: number;
  base: number;
  drivers: ChurnDriver[];
}

/** Churn risk at T: a transparent rule model whose every point is named (scoring.md). */
export function churnRisk(state: AccountState, health: Health, at: Date, config: ScoringConfig): ChurnRisk {
  const t = at.getTime();
  const today = utcDay(at);
  const drivers: ChurnDriver[] = [];
  const add = (name: ChurnDriverName, explanation: string) => drivers.push({ name, points: config.churnPoints[name], explanation });

  const due = termsEndingWithin(state, today, 90);
  if (due.length > 0) add('renewal_due', `${due.map((d) => `${d.contractId} ends ${d.endDate}`).join(', ')} without a renewal won`);

  const nps = state.surveys
    .filter((s) => s.kind === 'nps' && s.at <= t)
    .sort((a, b) => a.at - b.at)
    .pop();
  if (nps && nps.score <= 6) add('nps_detractor', `latest NPS is ${nps.score} (a detractor)`);

  const drops = seatDrops(state, t);
  if (drops.length > 0) add('seat_drop', drops.join('; '));

  const aged = [...state.tickets.entries()].filter(
    ([, k]) =>
      k.severity === 'urgent' && k.openedAt <= t && (k.resolvedAt === undefined || k.resolvedAt > t) && t - k.openedAt > 7 * DAY_MS,
  );
  if (aged.length > 0) add('urgent_ticket_aged', `urgent ticket(s) ${aged.map(([id]) => id).join(', ')} open for more than 7 days`);

  const last = state.interactions.filter((i) => i.at <= t).reduce((max, i) => Math.max(max, i.at), -Infinity);
  if (t - last > 60 * DAY_MS)
    add(
      'no_recent_interaction',
      Number.isFinite(last) ? `last interaction ${Math.floor((t - last) / DAY_MS)} days ago` : 'no interaction ever logged',
    );

  const since = addDays(today, -180);
  const downgrades = [...state.contracts.values()].flatMap((c) =>
    c.changes.filter((ch) => ch.reason === 'downgrade' && ch.from > since && ch.from <= today && ch.at <= t).map(() => c.contractId),
  );
  if (downgrades.length > 0) add('contraction', `downgrade of ${[...new Set(downgrades)].join(', ')} in the last 180 days`);

  addRelationshipDrivers(state, t, add);

  const base = health.score === null ? 50 : Math.round((100 - health.score) * 100) / 100;
  const score = Math.min(100, Math.round((base + drivers.reduce((sum, d) => sum + d.points, 0)) * 100) / 100);
  return { score, base, drivers };
}

/** The key-account drivers: each fires only on the events that record that practice, so other accounts score as before. */
function addRelationshipDrivers(state: AccountState, t: number, add: (name: ChurnDriverName, explanation: string) => void): void {
  const coverage = stakeholderCoverage(state, t);
  if (coverage && coverage.engagedCount < 2) {
    add(
      'single_threaded',
      `${coverage.engagedCount === 0 ? 'no' : 'only one'} stakeholder named in an interaction of the last 90 days ` +
        `(${coverage.active.length} active): the relationship hangs on ${coverage.engagedCount === 0 ? 'nobody' : 'a single contact'}`,
    );
  }
  const lost = championLost(state, t);
  if (lost) {
    add(
      'champion_left',
      `champion ${lost.name ?? lost.contactId} left on ${utcDay(lost.leftAt!)} and no champion has replaced them: ` +
        'nobody argues for us inside',
    );
  }
  const cadence = cadenceStatus(state, t);
  if (cadence?.reviewOverdue) {
    add(
      'review_overdue',
      `business review due by ${cadence.nextReviewDue} (every ${cadence.reviewEveryDays} days agreed); ` +
        (cadence.lastReviewAt ? `last one ${cadence.lastReviewAt.slice(0, 10)}` : 'none held since the agreement'),
    );
  }
  if (cadence?.touchOverdue) {
    add(
      'cadence_missed',
      `a touch was due by ${cadence.nextTouchDue} (every ${cadence.touchEveryDays} days agreed); ` +
        (cadence.lastTouchAt ? `last interaction ${cadence.lastTouchAt.slice(0, 10)}` : 'no interaction since the agreement'),
    );
  }
  const threats = competitorsPresent(state, t).filter((c) => c.threat === 'high');
  if (threats.length > 0) add('competitor_present', `${threats.map((c) => c.competitor).join(', ')} present with a high threat`);
  const unpaid = invoicesOverdue(state, t);
  if (unpaid.length > 0) {
    add(
      'invoice_overdue',
      unpaid.map((i) => `invoice ${i.invoiceId} (${i.currency} ${i.amount}) due ${i.dueDate} is unpaid`).join('; ') +
        ' after more than 30 days',
    );
  }
  const late = overdueActions(state, t);
  if (late.length > 0) {
    add(
      'plan_actions_overdue',
      `${late.length} plan action(s) past their due date: ${late.map((a) => `${a.actionId} (due ${a.dueDate})`).join(', ')}`,
    );
  }
}

/** Utilisation of a product fell ≥ 20 % (relative) between its two latest reports. */
function seatDrops(state: AccountState, t: number): string[] {
  const byProduct = new Map<string, Array<{ at: number; u: number }>>();
  for (const report of state.usage) {
    if (report.at > t) continue;
    byProduct.set(report.product, [...(byProduct.get(report.product) ?? []), { at: report.at, u: report.active / report.licensed }]);
  }
  const drops: string[] = [];
  for (const [product, reports] of byProduct) {
    if (reports.length < 2) continue;
    const [previous, latest] = reports.sort((a, b) => a.at - b.at).slice(-2);
    if (previous.u > 0 && (previous.u - latest.u) / previous.u >= 0.2) {
      drops.push(`${product} utilisation fell from ${Math.round(previous.u * 100)} % to ${Math.round(latest.u * 100)} %`);
    }
  }
  return drops;
}

export interface TermAtRisk {
  contractId: string;
  currency: string;
  arr: number;
  endDate: string;
  /** Due date of the open renewal, when one is open. */
  renewalDue?: string;
}

/**
 * Contract terms in force on `today` whose end, or whose open renewal's due date, falls within the next `horizonDays`
 * and that have no RenewalWon for that term yet (a won renewal has already moved the end past it).
 */
export function termsEndingWithin(state: AccountState, today: string, horizonDays: number): TermAtRisk[] {
  const horizon = addDays(today, horizonDays);
  const terms: TermAtRisk[] = [];
  for (const contract of state.contracts.values()) {
    const arr = contractArrOn(contract, today);
    if (arr === 0) continue;
    const openRenewal = [...state.renewals.values()].find((r) => r.contractId === contract.contractId && !r.outcome);
    const endsSoon = contract.endDate <= horizon;
    const dueSoon = openRenewal !== undefined && openRenewal.dueDate <= horizon;
    if (endsSoon || dueSoon) {
      terms.push({
        contractId: contract.contractId,
        currency: contract.currency,
        arr,
        endDate: contract.endDate,
        ...(openRenewal ? { renewalDue: openRenewal.dueDate } : {}),
      });
    }
  }
  return terms;
}

/** ARR at risk within the horizon (default 90 days), per currency (scoring.md). */
export function arrAtRisk(state: AccountState, at: Date, horizonDays = 90): Map<string, number> {
  const total = new Map<string, number>();
  for (const term of termsEndingWithin(state, utcDay(at), horizonDays))
    total.set(term.currency, roundCents((total.get(term.currency) ?? 0) + term.arr));
  return total;
}
