import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DeepPartial, ScoringConfig, scoringConfig } from '@rapport/domain';

export const SCORING_CONFIG = Symbol('ScoringConfig');

/**
 * Weights, targets and churn points: scoring.md's defaults, overridden by RAPPORT_SCORING (JSON, any subset),
 * e.g. RAPPORT_SCORING='{"weights":{"support":0.1},"interactionTargets":{"smb":4}}'. Checked at start.
 */
@Global()
@Module({
  providers: [
    {
      provide: SCORING_CONFIG,
      inject: [ConfigService],
      useFactory: (config: ConfigService): ScoringConfig => {
        const raw = config.get<string>('RAPPORT_SCORING');
        if (!raw) return scoringConfig();
        let overrides: DeepPartial<ScoringConfig>;
        try {
          overrides = JSON.parse(raw) as DeepPartial<ScoringConfig>;
        } catch (error) {
          throw new Error(`RAPPORT_SCORING is not JSON: ${(error as Error).message}`, { cause: error });
        }
        return scoringConfig(overrides);
      },
    },
  ],
  exports: [SCORING_CONFIG],
})
export class ScoringConfigModule {}
