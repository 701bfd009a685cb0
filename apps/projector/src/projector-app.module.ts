import { DynamicModule, Module } from '@nestjs/common';
import { DatabaseModule, HealthModule, LoggingModule, RapportConfigModule, RapportEnvironment } from '@rapport/platform';

/** The projector service on its own (services mode). */
@Module({})
export class ProjectorAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: ProjectorAppModule,
      imports: [RapportConfigModule.forRoot(config), LoggingModule, DatabaseModule, HealthModule],
    };
  }
}
