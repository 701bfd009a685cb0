import { Segment } from '../events/event-data';

/** Weights, targets and points of the scoring rules. Defaults are scoring.md's; deployments may override them. */
export interface ScoringConfig {
  weights: Record<HealthComponentName, number>;
  /** Interactions in 90 days that give full marks for frequency, per segment (mid_market when unknown). */
  interactionTargets: Record<Segment, number>;
  /** Median time to resolution that gives full marks, hours. */
  resolutionTargetHours: number;
  /** Seat utilisation that gives full marks. */
  adoptionTarget: number;
  churnPoints: Record<ChurnDriverName, number>;
  /** Each key-account selection criterion's weight in the fit (key-account-fit.ts). */
  fitWeights: Record<FitCriterion, number>;
}

export type FitCriterion = 'arrRank' | 'expansionPotential' | 'renewalLikelihood' | 'relationshipStrength' | 'strategicValue' | 'logoValue';

export type HealthComponentName = 'engagement' | 'sentiment' | 'support' | 'adoption' | 'commercial' | 'relationship';
export const HEALTH_COMPONENTS: HealthComponentName[] = ['engagement', 'sentiment', 'support', 'adoption', 'commercial', 'relationship'];

export type ChurnDriverName =
  | 'renewal_due'
  | 'nps_detractor'
  | 'seat_drop'
  | 'urgent_ticket_aged'
  | 'no_recent_interaction'
  | 'contraction'
  | 'single_threaded'
  | 'champion_left'
  | 'review_overdue'
  | 'cadence_missed'
  | 'competitor_present'
  | 'invoice_overdue'
  | 'plan_actions_overdue';

export const DEFAULT_SCORING_CONFIG: ScoringConfig = {
  // relationship counts only where stakeholders were recorded (health.ts): elsewhere the five weights stay as they were.
  weights: { engagement: 0.25, sentiment: 0.2, support: 0.15, adoption: 0.2, commercial: 0.2, relationship: 0.15 },
  interactionTargets: { enterprise: 12, mid_market: 6, smb: 3 },
  resolutionTargetHours: 48,
  adoptionTarget: 0.8,
  churnPoints: {
    renewal_due: 15,
    nps_detractor: 10,
    seat_drop: 10,
    urgent_ticket_aged: 15,
    no_recent_interaction: 10,
    contraction: 10,
    single_threaded: 10,
    champion_left: 15,
    review_overdue: 10,
    cadence_missed: 5,
    competitor_present: 10,
    invoice_overdue: 10,
    plan_actions_overdue: 5,
  },
  fitWeights: { arrRank: 1, expansionPotential: 1, renewalLikelihood: 1, relationshipStrength: 1, strategicValue: 1, logoValue: 1 },
};

/** A scoring configuration that cannot be used, naming the field (`weights.support`, `churnPoints`, …). */
export class ScoringConfigError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`scoring configuration: ${field} ${reason}`);
    this.name = 'ScoringConfigError';
  }
}

const NESTED = ['weights', 'interactionTargets', 'churnPoints', 'fitWeights'] as const;
const SCALARS = ['resolutionTargetHours', 'adoptionTarget'] as const;

/**
 * `base` (the defaults unless given) overridden by a partial configuration, one level deep, checked: known fields only,
 * numbers ≥ 0, weights (health and fit) with a positive sum, targets > 0. Throws ScoringConfigError naming the field.
 */
export function scoringConfig(overrides: unknown = {}, base: ScoringConfig = DEFAULT_SCORING_CONFIG): ScoringConfig {
  if (overrides === null || typeof overrides !== 'object' || Array.isArray(overrides))
    throw new ScoringConfigError('(root)', 'must be an object');
  const given = overrides as Record<string, unknown>;
  for (const [key, value] of Object.entries(given)) {
    if ((NESTED as readonly string[]).includes(key)) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ScoringConfigError(key, 'must be an object');
      const known = Object.keys(base[key as (typeof NESTED)[number]]);
      for (const inner of Object.keys(value)) {
        if (!known.includes(inner)) throw new ScoringConfigError(`${key}.${inner}`, `is not known (known: ${known.join(', ')})`);
      }
    } else if (!(SCALARS as readonly string[]).includes(key)) {
      throw new ScoringConfigError(key, `is not known (known: ${[...NESTED, ...SCALARS].join(', ')})`);
    }
  }
  const o = given as DeepPartial<ScoringConfig>;
  const config: ScoringConfig = {
    weights: { ...base.weights, ...o.weights },
    interactionTargets: { ...base.interactionTargets, ...o.interactionTargets },
    resolutionTargetHours: o.resolutionTargetHours ?? base.resolutionTargetHours,
    adoptionTarget: o.adoptionTarget ?? base.adoptionTarget,
    churnPoints: { ...base.churnPoints, ...o.churnPoints },
    fitWeights: { ...base.fitWeights, ...o.fitWeights },
  };
  const numbers = [
    ...Object.entries(config.weights).map(([k, v]) => [`weights.${k}`, v] as const),
    ...Object.entries(config.interactionTargets).map(([k, v]) => [`interactionTargets.${k}`, v] as const),
    ...Object.entries(config.churnPoints).map(([k, v]) => [`churnPoints.${k}`, v] as const),
    ...Object.entries(config.fitWeights).map(([k, v]) => [`fitWeights.${k}`, v] as const),
    ['resolutionTargetHours', config.resolutionTargetHours] as const,
    ['adoptionTarget', config.adoptionTarget] as const,
  ];
  for (const [name, value] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new ScoringConfigError(name, 'must be a number ≥ 0');
  }
  // Relationship aside: it weighs only on accounts whose stakeholders are recorded, and every account needs a weight.
  const { relationship: _relationship, ...everywhere } = config.weights;
  if (Object.values(everywhere).reduce((a, b) => a + b, 0) <= 0) {
    throw new ScoringConfigError('weights', 'must not all be 0 apart from relationship, which counts only where stakeholders are recorded');
  }
  if (Object.values(config.fitWeights).reduce((a, b) => a + b, 0) <= 0) throw new ScoringConfigError('fitWeights', 'must not all be 0');
  if (config.adoptionTarget === 0) throw new ScoringConfigError('adoptionTarget', 'must be > 0');
  if (config.resolutionTargetHours === 0) throw new ScoringConfigError('resolutionTargetHours', 'must be > 0');
  return config;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
