import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, HealthModule, LoggingModule, RapportConfigModule, RapportEnvironment } from '@rapport/platform';

/** The query service on its own (services mode). */
@Module({})
export class QueryAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: QueryAppModule,
      imports: [RapportConfigModule.forRoot(config), LoggingModule, DatabaseModule, HealthModule],
    };
  }
}
