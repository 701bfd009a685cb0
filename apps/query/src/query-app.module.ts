import { DynamicModule, Module } from '@nestjs/common';
import { platformModules, RapportEnvironment } from '@rapport/platform';

/** The query service on its own (services mode). */
import { QueryModule } from './query.module';

@Module({})
export class QueryAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: QueryAppModule,
      imports: [...platformModules(config), QueryModule],
    };
  }
}
