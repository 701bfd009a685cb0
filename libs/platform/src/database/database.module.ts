import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, KurrentDbEventStore, PostgresEventStore } from '@rapport/event-store';
import { createPool } from './pool';

export const PG_POOL = Symbol('PgPool');

@Injectable()
class DatabaseLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    // The store first: it finishes the appends in hand, which need the pool.
    await this.store.close();
    await this.pool.end();
  }
}

/**
 * The PostgreSQL pool (DATABASE_URL, read models) and the event store: KurrentDB with EVENTSTORE_URL, else PostgreSQL,
 * migrated before the app serves.
 */
@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [ConfigService],
      useFactory: (config: ConfigService) => {
        const url = config.get<string>('DATABASE_URL');
        if (!url) throw new Error('DATABASE_URL is not set: the services need a PostgreSQL server (the standalone app starts one itself)');
        return createPool(url, 10);
      },
    },
    {
      provide: EVENT_STORE,
      inject: [PG_POOL, ConfigService],
      useFactory: async (pool: Pool, config: ConfigService): Promise<EventStore> => {
        const eventStoreUrl = config.get<string>('EVENTSTORE_URL');
        if (eventStoreUrl) return new KurrentDbEventStore(eventStoreUrl);
        const store = new PostgresEventStore(pool);
        await store.migrate();
        return store;
      },
    },
    DatabaseLifecycle,
  ],
  exports: [PG_POOL, EVENT_STORE],
})
export class DatabaseModule {}
