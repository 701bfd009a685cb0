import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@rapport/messaging';
import { ClockModule, DatabaseModule, HealthModule, LoggingModule, MetricsModule, RapportConfigModule, RapportEnvironment, ScoringConfigModule } from '@rapport/platform';

/** The query service on its own (services mode). */
import { QueryModule } from './query.module';

@Module({})
export class QueryAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: QueryAppModule,
      imports: [RapportConfigModule.forRoot(config), LoggingModule, ClockModule, DatabaseModule, MessagingModule, ScoringConfigModule, MetricsModule, HealthModule, QueryModule],
    };
  }
}
