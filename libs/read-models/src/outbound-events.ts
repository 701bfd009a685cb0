import { uuidV5 } from '@rapport/domain';
import { AccountProjection } from './account-projection';

/** The figures an account had before this batch, as stored. */
export interface PreviousFigures {
  healthScore: number | null;
  healthBand: string | null;
  churnScore: number;
  signals: Array<{ name: string }>;
  /** Ids of the plan's actions that were overdue. */
  overdueActions: readonly string[];
}

export type OutboundEventType = 'AccountHealthChanged' | 'ChurnRiskRaised' | 'ExpansionSignalDetected' | 'AccountChurned' | 'ActionOverdue';

export interface OutboundEvent {
  /** Stable: derived from what caused it, so a replayed batch produces the same ids and a consumer can drop repeats. */
  eventId: string;
  type: OutboundEventType;
  accountId: string;
  occurredAt: string;
  /** The stored event whose projection raised it, or the daily re-evaluation at a position. */
  causedBy: { eventId: string; globalPosition: number } | { reevaluation: string; globalPosition: number };
  figures: Record<string, unknown>;
}

/** Scores move by at least this many points to count as a health change (api.md). */
export const HEALTH_CHANGE_POINTS = 5;
/** Churn risk crossing this upward raises ChurnRiskRaised (api.md). */
export const CHURN_RISK_THRESHOLD = 60;
const OUTBOUND_NAMESPACE = 'a3c9e1f4-58b2-4c7d-9e06-7f1d2b3c4a5e';

/**
 * What outbound events read of an account's projection: a projection is one, and so is the smaller copy
 * (`outboundFigures`) that the projector keeps until its batch's transaction, where the stored figures are read.
 */
export interface OutboundFigures {
  accountId: string;
  health: Pick<AccountProjection['health'], 'score' | 'band' | 'coverage'>;
  churn: Pick<AccountProjection['churn'], 'score' | 'drivers'>;
  arrAtRisk: AccountProjection['arrAtRisk'];
  signals: AccountProjection['signals'];
  arr: AccountProjection['arr'];
  /** The plan's actions; of these, outbound events read the overdue ones alone. */
  actions: AccountProjection['actions'];
}

/** The figures of `projection` that outbound events read, apart from the rest, which can then be collected. */
export function outboundFigures(projection: AccountProjection): OutboundFigures {
  const { accountId, health, churn, arrAtRisk, signals, arr, actions } = projection;
  return {
    accountId,
    health: { score: health.score, band: health.band, coverage: health.coverage },
    churn: { score: churn.score, drivers: churn.drivers },
    arrAtRisk,
    signals,
    arr,
    actions: actions.filter((a) => a.overdue),
  };
}

/** What changed between an account's previous figures and its new projection, as api.md's outbound events. */
export function outboundEvents(
  previous: PreviousFigures | undefined,
  next: OutboundFigures,
  causedBy: OutboundEvent['causedBy'],
  occurredAt: string,
): OutboundEvent[] {
  const events: OutboundEvent[] = [];
  const cause = 'eventId' in causedBy ? causedBy.eventId : `${causedBy.reevaluation}@${causedBy.globalPosition}`;
  const add = (type: OutboundEventType, figures: Record<string, unknown>, discriminator = '') =>
    events.push({
      eventId: uuidV5(`${type}|${next.accountId}|${cause}|${discriminator}`, OUTBOUND_NAMESPACE),
      type,
      accountId: next.accountId,
      occurredAt,
      causedBy,
      figures,
    });

  const score = next.health.score;
  const before = previous?.healthScore ?? null;
  const bandChanged = (previous?.healthBand ?? null) !== next.health.band;
  const scoreMoved =
    (before === null) !== (score === null) || (before !== null && score !== null && Math.abs(score - before) >= HEALTH_CHANGE_POINTS);
  if (bandChanged || scoreMoved) {
    add('AccountHealthChanged', {
      score,
      band: next.health.band,
      coverage: next.health.coverage,
      previousScore: before,
      previousBand: previous?.healthBand ?? null,
    });
  }
  if ((previous?.churnScore ?? 0) < CHURN_RISK_THRESHOLD && next.churn.score >= CHURN_RISK_THRESHOLD) {
    add('ChurnRiskRaised', {
      score: next.churn.score,
      previousScore: previous?.churnScore ?? null,
      drivers: next.churn.drivers,
      arrAtRisk: next.arrAtRisk,
    });
  }
  const known = new Set((previous?.signals ?? []).map((s) => s.name));
  for (const signal of next.signals) if (!known.has(signal.name)) add('ExpansionSignalDetected', { signal }, signal.name);
  if (previous?.healthBand !== 'churned' && next.health.band === 'churned') add('AccountChurned', { arr: next.arr, healthScore: score });
  const wasOverdue = new Set(previous?.overdueActions ?? []);
  for (const action of next.actions) {
    if (!action.overdue || wasOverdue.has(action.actionId)) continue;
    const { actionId, goalId, description, ownerId, dueDate } = action;
    add('ActionOverdue', { action: { actionId, goalId, description, ownerId, dueDate } }, actionId);
  }
  return events;
}
