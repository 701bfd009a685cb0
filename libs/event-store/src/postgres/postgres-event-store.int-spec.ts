import { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { describeEventStoreContract } from '../testing/event-store.contract';
import { PostgresEventStore } from './postgres-event-store';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('event_store');
  const pool = new Pool({ connectionString: database.url, max: 2 });
  await new PostgresEventStore(pool).migrate();
  await pool.end();
});
afterAll(() => database.drop());

describeEventStoreContract('PostgresEventStore', async () => {
  const pools: Pool[] = [];
  const stores: PostgresEventStore[] = [];
  const open = () => {
    const pool = new Pool({ connectionString: database.url, max: 4 });
    const store = new PostgresEventStore(pool, { idleWaitMs: 200 });
    pools.push(pool);
    stores.push(store);
    return store;
  };
  return {
    store: open(),
    otherWriter: async () => open(),
    cleanup: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await Promise.all(pools.map((p) => p.end()));
    },
  };
});

describe('PostgresEventStore schema', () => {
  it('refuses to change or delete stored events', async () => {
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      await expect(pool.query("UPDATE rapport_events SET type = 'x'")).rejects.toThrow(/append-only/);
      await expect(pool.query('DELETE FROM rapport_events')).rejects.toThrow(/append-only/);
    } finally {
      await pool.end();
    }
  });

  it('applies its migrations once, however often it starts', async () => {
    const pool = new Pool({ connectionString: database.url, max: 4 });
    try {
      await Promise.all([1, 2, 3].map(() => new PostgresEventStore(pool).migrate()));
      const { rows } = await pool.query('SELECT version FROM rapport_event_store_schema_migrations');
      expect(rows).toEqual([{ version: 1 }]);
    } finally {
      await pool.end();
    }
  });
});
