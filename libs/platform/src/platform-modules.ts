import { DynamicModule, Type } from '@nestjs/common';
import { MessagingModule } from '@rapport/messaging';
import { AccessModule } from './access/access.module';
import { ClockModule } from './clock.module';
import { RapportConfigModule } from './config/config.module';
import { RapportEnvironment } from './config/rapport-config';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { ScoringConfigModule } from './scoring-config.module';

/** What every Rapport app runs on: validated config, logs, clock, PostgreSQL and the event store, Kafka, scoring, metrics, health. */
export function platformModules(config: Partial<RapportEnvironment>): Array<Type | DynamicModule> {
  return [
    RapportConfigModule.forRoot(config),
    LoggingModule,
    ClockModule,
    DatabaseModule,
    MessagingModule,
    ScoringConfigModule,
    MetricsModule,
    HealthModule,
    AccessModule,
  ];
}
