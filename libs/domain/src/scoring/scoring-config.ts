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
}

export type HealthComponentName = 'engagement' | 'sentiment' | 'support' | 'adoption' | 'commercial';
export const HEALTH_COMPONENTS: HealthComponentName[] = ['engagement', 'sentiment', 'support', 'adoption', 'commercial'];

export type ChurnDriverName =
  'renewal_due' | 'nps_detractor' | 'seat_drop' | 'urgent_ticket_aged' | 'no_recent_interaction' | 'contraction';

export const DEFAULT_SCORING_CONFIG: ScoringConfig = {
  weights: { engagement: 0.25, sentiment: 0.2, support: 0.15, adoption: 0.2, commercial: 0.2 },
  interactionTargets: { enterprise: 12, mid_market: 6, smb: 3 },
  resolutionTargetHours: 48,
  adoptionTarget: 0.8,
  churnPoints: { renewal_due: 15, nps_detractor: 10, seat_drop: 10, urgent_ticket_aged: 15, no_recent_interaction: 10, contraction: 10 },
};

/** Defaults overridden by a partial configuration (one level deep), checked: weights ≥ 0 with a positive sum. */
export function scoringConfig(overrides: DeepPartial<ScoringConfig> = {}): ScoringConfig {
  const config: ScoringConfig = {
    weights: { ...DEFAULT_SCORING_CONFIG.weights, ...overrides.weights },
    interactionTargets: { ...DEFAULT_SCORING_CONFIG.interactionTargets, ...overrides.interactionTargets },
    resolutionTargetHours: overrides.resolutionTargetHours ?? DEFAULT_SCORING_CONFIG.resolutionTargetHours,
    adoptionTarget: overrides.adoptionTarget ?? DEFAULT_SCORING_CONFIG.adoptionTarget,
    churnPoints: { ...DEFAULT_SCORING_CONFIG.churnPoints, ...overrides.churnPoints },
  };
  const numbers = [
    ...Object.entries(config.weights).map(([k, v]) => [`weights.${k}`, v] as const),
    ...Object.entries(config.interactionTargets).map(([k, v]) => [`interactionTargets.${k}`, v] as const),
    ...Object.entries(config.churnPoints).map(([k, v]) => [`churnPoints.${k}`, v] as const),
    ['resolutionTargetHours', config.resolutionTargetHours] as const,
    ['adoptionTarget', config.adoptionTarget] as const,
  ];
  for (const [name, value] of numbers) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      throw new Error(`scoring configuration: ${name} must be a number ≥ 0`);
  }
  if (Object.values(config.weights).reduce((a, b) => a + b, 0) <= 0)
    throw new Error('scoring configuration: the weights must not all be 0');
  if (config.adoptionTarget === 0 || config.resolutionTargetHours === 0) throw new Error('scoring configuration: targets must be > 0');
  return config;
}

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };
