import {
  AccountState,
  AccountStreamEvent,
  accountHealth,
  arrAtRisk,
  accountPlan,
  arrOn,
  arrSegments,
  cadenceStatus,
  CadenceStatus,
  churnRisk,
  ChurnRisk,
  contractArrOn,
  expansion,
  ExpansionSignal,
  foldAccount,
  Health,
  PlannedActionView,
  realisedExpansion,
  ScoringConfig,
  utcDay,
} from '@rapport/domain';

/** Everything the read model keeps about one account: a function of its events (up to a position) and T alone. */
export interface AccountProjection {
  accountId: string;
  lastPosition: number;
  evaluatedAt: Date;
  profile: { opened: boolean; name: string | null; segment: string | null; ownerId: string | null; keyAccount: boolean };
  arr: Record<string, number>;
  products: string[];
  health: Health;
  churn: ChurnRisk;
  arrAtRisk: Record<string, number>;
  /** The account's own signals (seat pressure, advocate); cross-sell depends on the portfolio and is added by queries. */
  signals: ExpansionSignal[];
  openRenewals: Array<{ renewalId: string; contractId: string; dueDate: string }>;
  segments: Array<{ contractId: string; currency: string; from: string; to: string; arr: number }>;
  /** Contracts in force on T's day, for ARR at risk over any horizon. */
  terms: Array<{ contractId: string; currency: string; arr: number; endDate: string; renewalDue: string | null }>;
  renewalOutcomes: Array<{ renewalId: string; outcome: 'won' | 'lost'; occurredAt: Date; reason: string | null }>;
  tickets: Array<{ ticketId: string; severity: string; openedAt: Date; resolvedAt: Date | null }>;
  npsResponses: Array<{ occurredAt: Date; score: number }>;
  realisedExpansion: Array<{ contractId: string; currency: string; date: string; amount: number }>;
  /** Where the account stands against its agreed contact cadence at T (null without one). */
  cadence: CadenceStatus | null;
  /** The account plan's actions at T, each with its status and overdue flag. */
  actions: PlannedActionView[];
  /** The latest KeyAccountAssessed at T: the judged criteria of key-account selection. */
  assessment: { strategicValue: number; logoValue: number } | null;
}

/** The end of T's UTC day: stored figures are evaluated once per day, so replays on the same day agree to the digit. */
export function evaluationTime(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - 1);
}

export function projectAccount(
  accountId: string,
  events: readonly AccountStreamEvent[],
  lastPosition: number,
  evaluatedAt: Date,
  config: ScoringConfig,
): AccountProjection {
  const state = foldAccount(accountId, events, { at: evaluatedAt });
  const today = utcDay(evaluatedAt);
  const health = accountHealth(state, evaluatedAt, config);
  const ownSignals = expansion(state, health, evaluatedAt, new Set(), { from: today, to: today }).signals;
  const plan = accountPlan(state, evaluatedAt.getTime());
  return {
    accountId,
    lastPosition,
    evaluatedAt,
    profile: {
      opened: state.opened,
      name: state.name ?? null,
      segment: state.segment ?? null,
      ownerId: state.ownerId ?? null,
      keyAccount: state.keyAccount,
    },
    arr: Object.fromEntries(arrOn(state, today)),
    products: productsInForce(state, today),
    health,
    churn: churnRisk(state, health, evaluatedAt, config),
    arrAtRisk: Object.fromEntries(arrAtRisk(state, evaluatedAt)),
    signals: ownSignals,
    openRenewals: [...state.renewals.values()]
      .filter((r) => !r.outcome)
      .map(({ renewalId, contractId, dueDate }) => ({ renewalId, contractId, dueDate })),
    segments: arrSegments(state),
    terms: [...state.contracts.values()]
      .filter((c) => contractArrOn(c, today) > 0)
      .map((c) => ({
        contractId: c.contractId,
        currency: c.currency,
        arr: contractArrOn(c, today),
        endDate: c.endDate,
        renewalDue: [...state.renewals.values()].find((r) => r.contractId === c.contractId && !r.outcome)?.dueDate ?? null,
      })),
    renewalOutcomes: [...state.renewals.values()].flatMap((r) =>
      r.outcome
        ? [{ renewalId: r.renewalId, outcome: r.outcome.kind, occurredAt: new Date(r.outcome.at), reason: r.outcome.reason ?? null }]
        : [],
    ),
    tickets: [...state.tickets.entries()].map(([ticketId, t]) => ({
      ticketId,
      severity: t.severity,
      openedAt: new Date(t.openedAt),
      resolvedAt: t.resolvedAt === undefined ? null : new Date(t.resolvedAt),
    })),
    npsResponses: state.surveys.filter((s) => s.kind === 'nps').map((s) => ({ occurredAt: new Date(s.at), score: s.score })),
    realisedExpansion: realisedExpansion(state),
    cadence: cadenceStatus(state, evaluatedAt.getTime()),
    actions: [...plan.goals.flatMap((g) => g.actions), ...plan.actions],
    assessment: state.assessment ? { strategicValue: state.assessment.strategicValue, logoValue: state.assessment.logoValue } : null,
  };
}

function productsInForce(state: AccountState, today: string): string[] {
  return [
    ...new Set([...state.contracts.values()].filter((c) => c.startDate <= today && today < c.endDate).flatMap((c) => c.products)),
  ].sort();
}
