import { DynamicModule, Module } from '@nestjs/common';
import { platformModules, RapportEnvironment } from '@rapport/platform';
import { IngestModule } from './ingest.module';

/** The ingest service on its own (services mode). */
@Module({})
export class IngestAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: IngestAppModule,
      imports: [...platformModules(config), IngestModule],
    };
  }
}
