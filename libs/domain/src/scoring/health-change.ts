import { AccountStreamEvent, foldAccount } from '../account/account-state';
import { StoredAccountEvent } from '../events/event-codec';
import { accountHealth, Health, HealthComponent } from './health';
import { ScoringConfig } from './scoring-config';

/** A point of a health change: a valid time and what had been recorded by then (a global position). */
export interface HealthPoint {
  at: Date;
  position: number;
}

/** An event that entered the account's figures between the points, or left them (retracted). */
export interface HealthCause {
  change: 'entered' | 'retracted';
  eventId: string;
  type: string;
  occurredAt: string;
  recordedAt: string;
  source: { system: string; eventId: string };
  recordedBy: string | null;
  /** For a retracted event: the retraction. */
  retractedBy?: { eventId: string; recordedAt: string; source: { system: string; eventId: string }; recordedBy: string | null };
}

export interface ComponentChange {
  name: HealthComponent['name'];
  weight: number;
  before: number | null;
  after: number | null;
  delta: number | null;
  explanationBefore: string;
  explanationAfter: string;
  /** The causes that moved this component: each with its marginal impact (the score with it, minus without it). */
  causes: Array<{ eventId: string; change: HealthCause['change']; impact: number | null }>;
  /** What time alone did: the same events as before, evaluated at the later point. */
  passageOfTime: { delta: number; explanation: string } | null;
}

export interface HealthChange {
  before: Health;
  after: Health;
  delta: number | null;
  components: ComponentChange[];
  /** Every event that entered or left between the points, in log order. */
  causes: HealthCause[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const difference = (after: number | null, before: number | null) => (after === null || before === null ? null : round2(after - before));

/** The events a fold of `known` at `at` uses: retractions and their targets, and facts not yet occurred, left out. */
function effective(known: readonly StoredAccountEvent[], at: Date): Map<string, StoredAccountEvent> {
  const retracted = new Set<string>();
  for (const e of known) if (e.type === 'EventRetracted') retracted.add(e.data.targetEventId);
  const until = at.getTime();
  const used = new Map<string, StoredAccountEvent>();
  for (const e of known) {
    if (e.type === 'EventRetracted' || retracted.has(e.eventId) || Date.parse(e.occurredAt) > until) continue;
    used.set(e.eventId, e);
  }
  return used;
}

/**
 * Why an account's health moved between two points, each as it was shown then (valid time and knowledge time):
 * per component, before and after, the events that entered or were retracted with their marginal impact, and what
 * the passage of time alone did. `events` are the account's stored events up to the later point's position.
 */
export function healthChange(
  accountId: string,
  events: readonly StoredAccountEvent[],
  from: HealthPoint,
  to: HealthPoint,
  config: ScoringConfig,
): HealthChange {
  const knownFrom = events.filter((e) => e.globalPosition <= from.position);
  const knownTo = events.filter((e) => e.globalPosition <= to.position);
  const usedFrom = effective(knownFrom, from.at);
  const usedTo = effective(knownTo, to.at);
  const healthOf = (used: Iterable<AccountStreamEvent>, at: Date) => accountHealth(foldAccount(accountId, [...used], { at }), at, config);
  const inLogOrder = (list: StoredAccountEvent[]) => list.sort((a, b) => a.globalPosition - b.globalPosition);

  const before = healthOf(usedFrom.values(), from.at);
  const after = healthOf(usedTo.values(), to.at);
  const timeOnly = healthOf(usedFrom.values(), to.at);
  const entered = inLogOrder([...usedTo.values()].filter((e) => !usedFrom.has(e.eventId)));
  const left = inLogOrder([...usedFrom.values()].filter((e) => !usedTo.has(e.eventId)));

  // Marginal impact of each change: the later health without the event that entered, or with the one that left.
  const counterfactuals = new Map<string, Health>();
  for (const e of entered)
    counterfactuals.set(
      e.eventId,
      healthOf(
        [...usedTo.values()].filter((u) => u.eventId !== e.eventId),
        to.at,
      ),
    );
  for (const e of left) counterfactuals.set(e.eventId, healthOf(inLogOrder([...usedTo.values(), e]), to.at));

  const retractions = new Map(
    knownTo.filter((e) => e.type === 'EventRetracted').map((r) => [(r.data as { targetEventId: string }).targetEventId, r]),
  );
  const cause = (e: StoredAccountEvent, change: HealthCause['change']): HealthCause => {
    const item: HealthCause = {
      change,
      eventId: e.eventId,
      type: e.type,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt.toISOString(),
      source: e.source,
      recordedBy: e.recordedBy ?? null,
    };
    const retraction = change === 'retracted' ? retractions.get(e.eventId) : undefined;
    if (retraction) {
      item.retractedBy = {
        eventId: retraction.eventId,
        recordedAt: retraction.recordedAt.toISOString(),
        source: retraction.source,
        recordedBy: retraction.recordedBy ?? null,
      };
    }
    return item;
  };
  const causes = [...entered.map((e) => cause(e, 'entered')), ...left.map((e) => cause(e, 'retracted'))];

  const components = after.components.map((a, i): ComponentChange => {
    const b = before.components[i];
    const t = timeOnly.components[i];
    const moved = (other: HealthComponent) => other.score !== a.score || other.hasData !== a.hasData;
    const timeDelta = difference(t.score, b.score);
    return {
      name: a.name,
      weight: a.weight,
      before: b.score,
      after: a.score,
      delta: difference(a.score, b.score),
      explanationBefore: b.explanation,
      explanationAfter: a.explanation,
      causes: causes
        .filter((c) => moved(counterfactuals.get(c.eventId)!.components[i]))
        .map((c) => ({
          eventId: c.eventId,
          change: c.change,
          impact: difference(a.score, counterfactuals.get(c.eventId)!.components[i].score),
        })),
      passageOfTime: timeDelta !== null && timeDelta !== 0 ? { delta: timeDelta, explanation: t.explanation } : null,
    };
  });
  return { before, after, delta: difference(after.score, before.score), components, causes };
}
