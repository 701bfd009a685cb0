import { DynamicModule, Module } from '@nestjs/common';
import { IngestModule } from '@rapport/ingest/ingest.module';
import { platformModules, RapportEnvironment } from '@rapport/platform';

/** Ingest, projector and query in one process, on one port (api.md, standalone mode). */
import { ProjectorModule } from '@rapport/projector/projector.module';
import { QueryModule } from '@rapport/query/query.module';

@Module({})
export class StandaloneAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: StandaloneAppModule,
      imports: [...platformModules(config), IngestModule, ProjectorModule, QueryModule],
    };
  }
}
