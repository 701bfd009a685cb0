import { Pool } from 'pg';
import { DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { PostgresEventStore } from '@rapport/event-store';
import { appendFacts, aYearOf, withPractice } from '../../../test/support/account-events';
import { dumpReadModel } from '../../../test/support/read-model-dump';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { ReadModelProjector } from './read-model-projector';
import { rebuildReadModels } from './read-model-rebuild';
import { ensureActiveReadModel } from './read-model-schemas';

const silent = { info: () => undefined, error: () => undefined };
const clock = () => new Date('2026-11-22T10:00:00Z');

describe('rebuildReadModels', () => {
  let database: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  beforeAll(async () => {
    database = await createTestDatabase('rebuild');
    pool = new Pool({ connectionString: database.url, max: 8 });
    pool.on('error', () => undefined);
    store = new PostgresEventStore(pool, { idleWaitMs: 50 });
    await store.migrate();
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await database.drop();
  });

  async function caughtUp(projector: ReadModelProjector) {
    const head = await store.headPosition();
    for (let i = 0; projector.checkpoint < head; i++) {
      if (i > 2000) throw new Error('projector stuck');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('gives exactly the rows of the incremental projector, swaps them in while it runs, and the projector carries on', async () => {
    for (let seed = 1; seed <= 15; seed++) await appendFacts(store, `acct-${seed}`, seed % 5 ? aYearOf(seed) : withPractice(seed));
    const [signed] = await appendFacts(store, 'acct-1', [
      [
        '2026-06-01T00:00:00Z',
        {
          type: 'ContractSigned',
          data: { contractId: 'extra', products: ['api'], arr: 777, currency: 'EUR', startDate: '2026-06-01', endDate: '2027-06-01' },
        },
      ],
    ]);
    await appendFacts(store, 'acct-1', [
      ['2026-06-02T00:00:00Z', { type: 'EventRetracted', data: { targetEventId: signed.eventId, reason: 'test' } }],
    ]);
    const projector = new ReadModelProjector(pool, store, clock, DEFAULT_SCORING_CONFIG, silent, { batchSize: 13 });
    projector.start();
    try {
      await caughtUp(projector);
      const before = await ensureActiveReadModel(pool);
      const incremental = await dumpReadModel(pool, before.schema);

      const result = await rebuildReadModels(pool, store, clock, DEFAULT_SCORING_CONFIG, { pageSize: 100, writeChunk: 4 });
      const after = await ensureActiveReadModel(pool);
      expect(after.schema).toBe(result.schema);
      expect(after.schema).not.toBe(before.schema);
      expect(result).toMatchObject({ accounts: 15, events: await store.headPosition() });
      expect(await dumpReadModel(pool, after.schema)).toEqual(incremental);
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM information_schema.schemata WHERE schema_name = $1', [
        before.schema,
      ]);
      expect(rows[0].n).toBe(0);

      // The live projector follows the swap and keeps the new read model current.
      await appendFacts(store, 'acct-new', [['2026-11-01T00:00:00Z', { type: 'AccountOpened', data: { name: 'New' } }]]);
      await caughtUp(projector);
      const { rows: fresh } = await pool.query(`SELECT name FROM ${after.schema}.rm_accounts WHERE account_id = 'acct-new'`);
      expect(fresh).toEqual([{ name: 'New' }]);
    } finally {
      await projector.stop();
    }
  }, 60_000);
});
