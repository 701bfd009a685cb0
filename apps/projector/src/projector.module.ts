import { BeforeApplicationShutdown, Inject, Injectable, Logger, Module, OnApplicationBootstrap } from '@nestjs/common';
import { Pool } from 'pg';
import { ScoringConfig } from '@rapport/domain';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { CLOCK, Clock, PG_POOL, SCORING_CONFIG } from '@rapport/platform';
import { ReadModelProjector } from '@rapport/read-models';

/** Runs the projector for the life of the app; at shutdown it finishes the batch in hand before the pool closes. */
@Injectable()
export class ProjectorRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly projector: ReadModelProjector;
  private readonly logger = new Logger('projector');

  constructor(@Inject(PG_POOL) pool: Pool, @Inject(EVENT_STORE) store: EventStore, @Inject(CLOCK) clock: Clock, @Inject(SCORING_CONFIG) config: ScoringConfig) {
    this.projector = new ReadModelProjector(pool, store, clock, config, {
      info: (message) => this.logger.log(message),
      error: (message, error) => this.logger.error({ err: error }, message),
    });
  }

  onApplicationBootstrap(): void {
    this.projector.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projector.stop();
  }
}

/** The projector: the global log → read models. Needs the DatabaseModule and ScoringConfigModule. */
@Module({ providers: [ProjectorRunner], exports: [ProjectorRunner] })
export class ProjectorModule {}
