import { DynamicModule, Module } from '@nestjs/common';
import { IngestModule } from '@rapport/ingest/ingest.module';
import { DatabaseModule, HealthModule, LoggingModule, RapportConfigModule, RapportEnvironment } from '@rapport/platform';

/** Ingest, projector and query in one process, on one port (api.md, standalone mode). */
@Module({})
export class StandaloneAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: StandaloneAppModule,
      imports: [RapportConfigModule.forRoot(config), LoggingModule, DatabaseModule, HealthModule, IngestModule],
    };
  }
}
