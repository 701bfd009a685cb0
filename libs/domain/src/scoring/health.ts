import { AccountState } from '../account/account-state';
import { addDays, DAY_MS, utcDay } from '../time/utc-days';
import { arrOn } from './arr';
import { medianOfSorted } from './median';
import { relationshipScore, stakeholderCoverage } from './relationship';
import { HEALTH_COMPONENTS, HealthComponentName, ScoringConfig } from './scoring-config';

export type HealthBand = 'green' | 'yellow' | 'red' | 'churned';

export interface HealthComponent {
  name: HealthComponentName;
  /** 0–100, null without data. */
  score: number | null;
  weight: number;
  hasData: boolean;
  explanation: string;
}

export interface Health {
  /** 0–100 (2 decimals), null when no component has data. */
  score: number | null;
  band: HealthBand | null;
  /** Share of the weight backed by data, 0–1. */
  coverage: number;
  churned: boolean;
  evaluatedAt: string;
  components: HealthComponent[];
}

const clamp = (value: number, low = 0, high = 100) => Math.min(high, Math.max(low, value));
const round2 = (value: number) => Math.round(value * 100) / 100;
const days = (ms: number) => ms / DAY_MS;

/** The band of a score (scoring.md): green ≥ 70, yellow 40–69.99, red < 40. */
export function bandOf(score: number): Exclude<HealthBand, 'churned'> {
  return score >= 70 ? 'green' : score >= 40 ? 'yellow' : 'red';
}

/**
 * Account health at T: the weighted mean of the components with data, the weights of the others spread over them.
 * An account with no ARR in force on T's day whose last closed renewal was lost is churned, whatever its score.
 */
export function accountHealth(state: AccountState, at: Date, config: ScoringConfig): Health {
  const t = at.getTime();
  const components = HEALTH_COMPONENTS.map((name) => ({ name, weight: config.weights[name], ...COMPONENTS[name](state, t, config) }));
  // Relationship weighs only where stakeholders were recorded, so that coverage elsewhere stays what it was without it.
  const totalWeight = components.reduce((sum, c) => sum + (c.name === 'relationship' && !c.hasData ? 0 : c.weight), 0);
  const withData = components.filter((c) => c.hasData);
  const dataWeight = withData.reduce((sum, c) => sum + c.weight, 0);
  const score = dataWeight > 0 ? round2(withData.reduce((sum, c) => sum + c.weight * c.score!, 0) / dataWeight) : null;
  const churned = isChurned(state, at);
  return {
    score,
    band: churned ? 'churned' : score === null ? null : bandOf(score),
    coverage: round2(totalWeight > 0 ? dataWeight / totalWeight : 0),
    churned,
    evaluatedAt: at.toISOString(),
    components: components.map((c) => ({ ...c, score: c.score === null ? null : round2(c.score) })),
  };
}

/** No ARR in force on T's day, and the last closed renewal (by occurredAt) was lost. */
export function isChurned(state: AccountState, at: Date): boolean {
  if (arrOn(state, utcDay(at)).size > 0) return false;
  const closed = [...state.renewals.values()].filter((r) => r.outcome).sort((a, b) => a.outcome!.at - b.outcome!.at);
  return closed.length > 0 && closed[closed.length - 1].outcome!.kind === 'lost';
}

type ComponentResult = { score: number | null; hasData: boolean; explanation: string };
type ComponentRule = (state: AccountState, t: number, config: ScoringConfig) => ComponentResult;

const noData = (explanation: string): ComponentResult => ({ score: null, hasData: false, explanation });

/**
 * Engagement = 0.4 recency + 0.4 frequency + 0.2 executive involvement.
 * Recency: 100 when the last interaction is ≤ 14 days old, 0 at ≥ 90 days, linear between.
 * Frequency: interactions in the last 90 days against the segment's target, capped at 100.
 * Executive: 100 when an interaction of the last 180 days involved an executive, else 0.
 */
function engagement(state: AccountState, t: number, config: ScoringConfig): ComponentResult {
  const past = state.interactions.filter((i) => i.at <= t);
  if (past.length === 0) return noData('no interaction logged yet');
  const last = Math.max(...past.map((i) => i.at));
  const age = days(t - last);
  const recency = clamp((100 * (90 - age)) / (90 - 14));
  const target = config.interactionTargets[state.segment ?? 'mid_market'];
  const recent = past.filter((i) => t - i.at < 90 * DAY_MS).length;
  const frequency = target > 0 ? clamp((100 * recent) / target) : 100;
  const executive = past.some((i) => i.executive && t - i.at < 180 * DAY_MS) ? 100 : 0;
  return {
    score: 0.4 * recency + 0.4 * frequency + 0.2 * executive,
    hasData: true,
    explanation:
      `last interaction ${Math.floor(age)} days ago; ${recent} interactions in 90 days against a target of ${target} ` +
      `for ${state.segment ?? 'mid_market'}; ${executive ? 'an executive was involved' : 'no executive involved'} in 180 days`,
  };
}

/**
 * Sentiment = mean of the parts available: latest NPS of 365 days × 10, latest CSAT of 365 days (score − 1) × 25,
 * mean interaction sentiment of 90 days (s + 1) × 50.
 */
function sentiment(state: AccountState, t: number): ComponentResult {
  const parts: Array<[number, string]> = [];
  for (const kind of ['nps', 'csat'] as const) {
    const latest = state.surveys
      .filter((s) => s.kind === kind && s.at <= t && t - s.at < 365 * DAY_MS)
      .sort((a, b) => a.at - b.at)
      .pop();
    if (latest)
      parts.push(
        kind === 'nps' ? [latest.score * 10, `latest NPS ${latest.score}`] : [(latest.score - 1) * 25, `latest CSAT ${latest.score}`],
      );
  }
  const scored = state.interactions.filter((i) => i.sentiment !== undefined && i.at <= t && t - i.at < 90 * DAY_MS);
  if (scored.length > 0) {
    const mean = scored.reduce((sum, i) => sum + i.sentiment!, 0) / scored.length;
    parts.push([(mean + 1) * 50, `mean interaction sentiment ${mean.toFixed(2)} over ${scored.length} interactions`]);
  }
  if (parts.length === 0) return noData('no survey in 365 days and no rated interaction in 90 days');
  return {
    score: parts.reduce((sum, [s]) => sum + s, 0) / parts.length,
    hasData: true,
    explanation: parts.map(([, why]) => why).join('; '),
  };
}

/**
 * Support = 100 − penalties: each open high ticket 10 + 1 per day open (≤ 25), each open urgent one 20 + 2 per day
 * (≤ 40); a median time to resolution (tickets resolved in 90 days) above target loses up to 30, linearly, reaching
 * 30 at twice the target. Floored at 0. No data before the first ticket.
 */
function support(state: AccountState, t: number, config: ScoringConfig): ComponentResult {
  const tickets = [...state.tickets.values()].filter((k) => k.openedAt <= t);
  if (tickets.length === 0) return noData('no support ticket yet');
  const open = tickets.filter(
    (k) => (k.resolvedAt === undefined || k.resolvedAt > t) && (k.severity === 'high' || k.severity === 'urgent'),
  );
  let penalty = 0;
  for (const ticket of open) {
    const age = days(t - ticket.openedAt);
    penalty += ticket.severity === 'urgent' ? Math.min(40, 20 + 2 * age) : Math.min(25, 10 + age);
  }
  const resolved = tickets
    .filter((k) => k.resolvedAt !== undefined && k.resolvedAt <= t && t - k.resolvedAt < 90 * DAY_MS)
    .map((k) => (k.resolvedAt! - k.openedAt) / 3_600_000)
    .sort((a, b) => a - b);
  const median = medianOfSorted(resolved);
  const target = config.resolutionTargetHours;
  if (median !== undefined && median > target) penalty += Math.min(30, (30 * (median - target)) / target);
  return {
    score: clamp(100 - penalty),
    hasData: true,
    explanation:
      `${open.length} open high/urgent ticket(s); ` +
      (median === undefined ? 'no ticket resolved in 90 days' : `median resolution ${median.toFixed(1)} h against a target of ${target} h`),
  };
}

/** Adoption = mean over products of the latest report's utilisation against the target (0.8), capped at 100. */
function adoption(state: AccountState, t: number, config: ScoringConfig): ComponentResult {
  const latest = latestUsageByProduct(state, t);
  if (latest.size === 0) return noData('no usage reported yet');
  const scores = [...latest.values()].map((u) => clamp((100 * u.active) / u.licensed / config.adoptionTarget));
  return {
    score: scores.reduce((a, b) => a + b, 0) / scores.length,
    hasData: true,
    explanation: [...latest.entries()]
      .map(([product, u]) => `${product} ${Math.round((100 * u.active) / u.licensed)} % of seats used`)
      .join('; '),
  };
}

/**
 * Commercial = growth − penalties. Growth: ARR now against ARR 365 days before, per currency, averaged:
 * ratio ≥ 1 (or a new customer) gives 100, ≤ 0.5 gives 0, linear between. Penalties: 20 per downgrade effective in
 * 365 days (≤ 40), 15 for an open renewal due within 90 days. No data when the account never had ARR in either day.
 */
function commercial(state: AccountState, t: number): ComponentResult {
  const today = utcDay(t);
  const now = arrOn(state, today);
  const before = arrOn(state, addDays(today, -365));
  const currencies = new Set([...now.keys(), ...before.keys()]);
  if (currencies.size === 0) return noData('no ARR in force now nor 365 days ago');
  const growth =
    [...currencies]
      .map((c) => {
        const was = before.get(c) ?? 0;
        if (was === 0) return 100;
        return clamp((100 * ((now.get(c) ?? 0) / was - 0.5)) / 0.5);
      })
      .reduce((a, b) => a + b, 0) / currencies.size;
  const yearAgo = addDays(today, -365);
  const downgrades = [...state.contracts.values()]
    .flatMap((c) => c.changes)
    .filter((ch) => ch.reason === 'downgrade' && ch.from > yearAgo && ch.from <= today && ch.at <= t).length;
  const renewalDue = [...state.renewals.values()].some((r) => !r.outcome && r.dueDate >= today && r.dueDate <= addDays(today, 90));
  const score = clamp(growth - Math.min(40, 20 * downgrades) - (renewalDue ? 15 : 0));
  const arrText = [...currencies].map((c) => `${c} ${now.get(c) ?? 0} (was ${before.get(c) ?? 0})`).join(', ');
  return {
    score,
    hasData: true,
    explanation: `ARR ${arrText}; ${downgrades} downgrade(s) in 365 days${renewalDue ? '; a renewal is due within 90 days' : ''}`,
  };
}

/** Relationship: stakeholder coverage and breadth (relationship.ts); no data before the first stakeholder is identified. */
function relationship(state: AccountState, t: number): ComponentResult {
  const coverage = stakeholderCoverage(state, t);
  if (!coverage) return noData('no stakeholder identified yet');
  return { ...relationshipScore(coverage), hasData: true };
}

const COMPONENTS: Record<HealthComponentName, ComponentRule> = { engagement, sentiment, support, adoption, commercial, relationship };

/** Latest usage report per product at T (ties: the later in the stream). */
export function latestUsageByProduct(state: AccountState, t: number): Map<string, { active: number; licensed: number; at: number }> {
  const latest = new Map<string, { active: number; licensed: number; at: number }>();
  for (const u of state.usage) {
    if (u.at > t) continue;
    const current = latest.get(u.product);
    if (!current || u.at >= current.at) latest.set(u.product, u);
  }
  return latest;
}
