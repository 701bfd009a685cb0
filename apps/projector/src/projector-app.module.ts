import { DynamicModule, Module } from '@nestjs/common';
import { platformModules, RapportEnvironment } from '@rapport/platform';

/** The projector service on its own (services mode). */
import { ProjectorModule } from './projector.module';

@Module({})
export class ProjectorAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: ProjectorAppModule,
      imports: [...platformModules(config), ProjectorModule],
    };
  }
}
