import { BeforeApplicationShutdown, Inject, Injectable, Logger, Module, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { KAFKA_OPTIONS, KafkaOptions, MESSAGE_BUS, MessageBus, TOPIC_NAMES, TOPIC_PARTITIONS, TopicNames } from '@rapport/messaging';
import { Pool } from 'pg';
import { ScoringConfig } from '@rapport/domain';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { CLOCK, Clock, Metrics, PG_POOL, Readiness, SCORING_CONFIG } from '@rapport/platform';
import { migrateOutbox, ReadModelProjector, RELAYED_UP_TO_SQL } from '@rapport/read-models';
import { RelayThread } from './relay-thread';

/** The projector counts as ready while at most this many events behind the log. */
export const MAX_READY_LAG = 10_000;

/**
 * Runs the projector, and with KAFKA_BROKERS the outbox relay to rapport.account-health.v1 (on a thread of its own),
 * for the life of the app; at shutdown each finishes the batch in hand before the pool closes.
 */
@Injectable()
export class ProjectorRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly projector: ReadModelProjector;
  private relay?: RelayThread;
  private readonly logger = new Logger('projector');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CLOCK) clock: Clock,
    @Inject(SCORING_CONFIG) config: ScoringConfig,
    @Optional() @Inject(MESSAGE_BUS) private readonly bus: MessageBus | null,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Optional() @Inject(KAFKA_OPTIONS) kafka: KafkaOptions | null,
    settings: ConfigService,
    metrics: Metrics,
    readiness: Readiness,
  ) {
    const log = {
      info: (message: string) => this.logger.log(message),
      warn: (message: string) => this.logger.warn(message),
      error: (message: string, error?: unknown) => this.logger.error({ err: error }, message),
    };
    this.projector = new ReadModelProjector(pool, store, clock, config, log);
    if (bus && kafka) {
      const databaseUrl = settings.getOrThrow<string>('DATABASE_URL');
      this.relay = new RelayThread({ databaseUrl, kafka, topic: topics.accountHealth }, log);
    }
    const lag = async () => Math.max(0, (await store.headPosition()) - this.projector.checkpoint);
    metrics.gauge('rapport_projection_lag_events', 'Events in the log not yet in the read models', lag);
    metrics.gauge('rapport_outbox_backlog', 'Outbound events not yet relayed to Kafka', async () =>
      Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM rapport_outbox WHERE seq > (${RELAYED_UP_TO_SQL})`)).rows[0].n),
    );
    readiness.register('projector', async () => {
      const behind = await lag();
      return behind <= MAX_READY_LAG ? true : `${behind} events behind the log (ready within ${MAX_READY_LAG})`;
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await migrateOutbox(this.pool);
    this.projector.start();
    if (this.relay && this.bus) {
      await this.bus.ensureTopics([{ name: this.topics.accountHealth, partitions: TOPIC_PARTITIONS }]);
      this.relay.start();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.projector.stop();
    await this.relay?.stop();
  }
}

/** The projector: the global log → read models. Needs the DatabaseModule and ScoringConfigModule. */
@Module({ providers: [ProjectorRunner], exports: [ProjectorRunner] })
export class ProjectorModule {}
