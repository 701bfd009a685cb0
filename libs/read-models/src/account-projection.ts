import {
  AccountFacts,
  accountFactsAt,
  accountHealth,
  arrAtRisk,
  arrOn,
  arrSegments,
  churnRisk,
  contractArrOn,
  expansion,
  Health,
  ChurnRisk,
  ExpansionSignal,
  realisedExpansion,
  ScoringConfig,
  TimedAccountEvent,
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
  renewalOutcomes: Array<{ renewalId: string; outcome: 'won' | 'lost'; occurredAt: Date }>;
  npsResponses: Array<{ occurredAt: Date; score: number }>;
  realisedExpansion: Array<{ contractId: string; currency: string; date: string; amount: number }>;
}

/** The end of T's UTC day: stored figures are evaluated once per day, so replays on the same day agree to the digit. */
export function evaluationTime(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - 1);
}

export function projectAccount(accountId: string, events: readonly TimedAccountEvent[], lastPosition: number, evaluatedAt: Date, config: ScoringConfig): AccountProjection {
  const facts = accountFactsAt(accountId, events, evaluatedAt);
  const today = utcDay(evaluatedAt);
  const health = accountHealth(facts, evaluatedAt, config);
  const ownSignals = expansion(facts, health, evaluatedAt, new Set(), { from: today, to: today }).signals;
  return {
    accountId,
    lastPosition,
    evaluatedAt,
    profile: { opened: facts.opened, name: facts.name ?? null, segment: facts.segment ?? null, ownerId: facts.ownerId ?? null, keyAccount: facts.keyAccount },
    arr: Object.fromEntries(arrOn(facts, today)),
    products: productsInForce(facts, today),
    health,
    churn: churnRisk(facts, health, evaluatedAt, config),
    arrAtRisk: Object.fromEntries(arrAtRisk(facts, evaluatedAt)),
    signals: ownSignals,
    openRenewals: [...facts.renewals.values()].filter((r) => !r.outcome).map(({ renewalId, contractId, dueDate }) => ({ renewalId, contractId, dueDate })),
    segments: arrSegments(facts),
    terms: [...facts.contracts.values()]
      .filter((c) => contractArrOn(c, today) > 0)
      .map((c) => ({
        contractId: c.contractId,
        currency: c.currency,
        arr: contractArrOn(c, today),
        endDate: c.endDate,
        renewalDue: [...facts.renewals.values()].find((r) => r.contractId === c.contractId && !r.outcome)?.dueDate ?? null,
      })),
    renewalOutcomes: [...facts.renewals.values()].flatMap((r) => (r.outcome ? [{ renewalId: r.renewalId, outcome: r.outcome.kind, occurredAt: new Date(r.outcome.at) }] : [])),
    npsResponses: facts.surveys.filter((s) => s.kind === 'nps').map((s) => ({ occurredAt: new Date(s.at), score: s.score })),
    realisedExpansion: realisedExpansion(facts),
  };
}

function productsInForce(facts: AccountFacts, today: string): string[] {
  return [...new Set([...facts.contracts.values()].filter((c) => c.startDate <= today && today < c.endDate).flatMap((c) => c.products))].sort();
}
