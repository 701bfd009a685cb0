import { DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@rapport/messaging';
import { ClockModule, DatabaseModule, HealthModule, LoggingModule, MetricsModule, RapportConfigModule, RapportEnvironment, ScoringConfigModule } from '@rapport/platform';

/** The projector service on its own (services mode). */
import { ProjectorModule } from './projector.module';

@Module({})
export class ProjectorAppModule {
  static forRoot(config: Partial<RapportEnvironment> = {}): DynamicModule {
    return {
      module: ProjectorAppModule,
      imports: [RapportConfigModule.forRoot(config), LoggingModule, ClockModule, DatabaseModule, MessagingModule, ScoringConfigModule, MetricsModule, HealthModule, ProjectorModule],
    };
  }
}
