import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@rapport/messaging';
import { ClockModule, DatabaseModule, HealthModule, LoggingModule, MetricsModule, RapportConfigModule, RapportEnvironment, ScoringConfigModule } from '@rapport/platform';
import { IngestModule } from './ingest.module';

/** The ingest service on its own (services mode). */
@Module({})
export class IngestAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: IngestAppModule,
      imports: [RapportConfigModule.forRoot(config), LoggingModule, ClockModule, DatabaseModule, MessagingModule, ScoringConfigModule, MetricsModule, HealthModule, IngestModule],
    };
  }
}
