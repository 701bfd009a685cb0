import { Pool } from 'pg';
import { DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { PostgresEventStore } from '@rapport/event-store';
import { appendFacts, aYearOf, withPractice } from '../../../test/support/account-events';
import { interceptQueries } from '../../../test/support/intercept-queries';
import { dumpReadModel } from '../../../test/support/read-model-dump';
import { createTestDatabase } from '../../../test/support/test-database';
import { evaluationTime, projectAccount } from './account-projection';
import { decodeEvent } from '@rapport/domain';
import { ReadModelProjector } from './read-model-projector';
import { ensureActiveReadModel } from './read-model-schemas';
import { READ_MODEL_VERSION } from './read-model.sql';

const silent = { info: () => undefined, error: () => undefined };
let now = new Date('2026-11-22T10:00:00Z');
const clock = () => now;

async function setUp(label: string) {
  const database = await createTestDatabase(label);
  const pool = new Pool({ connectionString: database.url, max: 6 });
  pool.on('error', () => undefined);
  const store = new PostgresEventStore(pool, { idleWaitMs: 100 });
  await store.migrate();
  return { database, pool, store };
}

async function untilCaughtUp(projector: ReadModelProjector, store: PostgresEventStore): Promise<void> {
  const head = await store.headPosition();
  for (let i = 0; projector.checkpoint < head; i++) {
    if (i > 3000) throw new Error(`projector stuck at ${projector.checkpoint} of ${head}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('ReadModelProjector', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  beforeAll(async () => {
    env = await setUp('projector');
    for (let seed = 1; seed <= 12; seed++) await appendFacts(env.store, `acct-${seed}`, seed % 5 ? aYearOf(seed) : withPractice(seed));
  });
  afterAll(async () => {
    await env.store.close();
    await env.pool.end();
    await env.database.drop();
  });

  it("stores for each account exactly the domain's figures at the end of the day", async () => {
    const projector = new ReadModelProjector(env.pool, env.store, clock, DEFAULT_SCORING_CONFIG, silent, { batchSize: 37 });
    projector.start();
    await untilCaughtUp(projector, env.store);
    await projector.stop();
    const { schema } = await ensureActiveReadModel(env.pool);
    const { rows } = await env.pool.query(`SELECT * FROM ${schema}.rm_accounts ORDER BY account_id`);
    expect(rows).toHaveLength(12);
    // acct-10 also keeps the key-account practice: stakeholders, cadence, a plan, an invoice, the key-account flag.
    for (const accountId of ['acct-7', 'acct-10']) {
      const stream = await env.store.readStream(`account-${accountId}`);
      const expected = projectAccount(
        accountId,
        stream.map(decodeEvent),
        stream[stream.length - 1].globalPosition,
        evaluationTime(now),
        DEFAULT_SCORING_CONFIG,
      );
      const row = rows.find((r) => r.account_id === accountId);
      expect(row).toMatchObject({
        key_account: expected.profile.keyAccount,
        health_score: expected.health.score,
        health_band: expected.health.band,
        churn_score: expected.churn.score,
        arr: expected.arr,
        last_position: String(expected.lastPosition),
        evaluated_at: new Date('2026-11-22T23:59:59.999Z'),
      });
      expect(row.health).toEqual(JSON.parse(JSON.stringify(expected.health)));
      expect(row.churn).toEqual(JSON.parse(JSON.stringify(expected.churn)));
    }
    const practised = rows.find((r) => r.account_id === 'acct-10');
    expect(practised.key_account).toBe(true);
    expect(practised.health.components.find((c: { name: string }) => c.name === 'relationship').hasData).toBe(true);
    const { rows: actions } = await env.pool.query(
      `SELECT action_id FROM ${schema}.rm_plan_actions WHERE account_id = 'acct-10' ORDER BY 1`,
    );
    expect(actions).toEqual([{ action_id: 'a1' }, { action_id: 'a2' }]);
  });

  it('gives the same read model when its transactions fail at random statements as when nothing fails', async () => {
    const target = await setUp('projector_faults');
    try {
      for (let seed = 1; seed <= 8; seed++) await appendFacts(target.store, `acct-${seed}`, aYearOf(seed));
      let failures = 0;
      let copyFailed = false;
      const random = mulberry32(42);
      // A failure at any statement of a batch, the COMMIT included, is what a crash looks like to PostgreSQL. The first
      // COPY of new accounts' rows fails too: there are few of them, and chance alone misses them.
      const faultyPool = new Pool({ connectionString: target.database.url, max: 6 });
      faultyPool.on('error', () => undefined);
      interceptQueries(faultyPool, (text) => {
        if (text.startsWith('COPY') && !copyFailed) {
          copyFailed = true;
          return new Error('injected failure of a COPY');
        }
        if (failures < 40 && !/^(ROLLBACK|SELECT pg_advisory)/.test(text) && random() < 0.03) {
          failures += 1;
          return new Error('injected failure');
        }
        return undefined;
      });
      const faultyStore = new PostgresEventStore(faultyPool, { idleWaitMs: 100 });
      const crashing = new ReadModelProjector(faultyPool, faultyStore, clock, DEFAULT_SCORING_CONFIG, silent, {
        batchSize: 20,
        retryDelayMs: 1,
      });
      crashing.start();
      await untilCaughtUp(crashing, target.store);
      await crashing.stop();
      await faultyStore.close();
      await faultyPool.end();
      expect(failures).toBeGreaterThan(3);
      expect(copyFailed).toBe(true);
      const crashed = await dumpReadModel(target.pool, (await ensureActiveReadModel(target.pool)).schema);

      // The same log into a fresh schema, without failures.
      await target.pool.query('DELETE FROM rapport_read_model_active');
      const clean = new ReadModelProjector(target.pool, target.store, clock, DEFAULT_SCORING_CONFIG, silent, { batchSize: 20 });
      clean.start();
      await untilCaughtUp(clean, target.store);
      await clean.stop();
      const uninterrupted = await dumpReadModel(target.pool, (await ensureActiveReadModel(target.pool)).schema);
      expect(crashed.rm_accounts).toHaveLength(8);
      expect(crashed).toEqual(uninterrupted);
    } finally {
      await target.store.close();
      await target.pool.end();
      await target.database.drop();
    }
  }, 120_000);

  it('leaves a retracted event out and re-evaluates every account on a new day', async () => {
    const projector = new ReadModelProjector(env.pool, env.store, clock, DEFAULT_SCORING_CONFIG, silent, { batchSize: 50 });
    projector.start();
    const [signed] = await appendFacts(env.store, 'retract-me', [
      ['2026-01-01T00:00:00Z', { type: 'AccountOpened', data: { name: 'R' } }],
    ]).then(async () =>
      appendFacts(env.store, 'retract-me', [
        [
          '2026-01-02T00:00:00Z',
          {
            type: 'ContractSigned',
            data: { contractId: 'x', products: ['core'], arr: 5000, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-06-01' },
          },
        ],
      ]),
    );
    await untilCaughtUp(projector, env.store);
    const { schema } = await ensureActiveReadModel(env.pool);
    const arrOf = async () => (await env.pool.query(`SELECT arr FROM ${schema}.rm_accounts WHERE account_id = 'retract-me'`)).rows[0].arr;
    expect(await arrOf()).toEqual({ EUR: 5000 });
    await appendFacts(env.store, 'retract-me', [
      ['2026-02-01T00:00:00Z', { type: 'EventRetracted', data: { targetEventId: signed.eventId, reason: 'wrong account' } }],
    ]);
    await untilCaughtUp(projector, env.store);
    expect(await arrOf()).toEqual({});

    const before = (await env.pool.query(`SELECT health_score, evaluated_at FROM ${schema}.rm_accounts WHERE account_id = 'acct-3'`))
      .rows[0];
    now = new Date('2027-02-10T00:00:05Z');
    await projector.reevaluateAll();
    const after = (await env.pool.query(`SELECT health_score, evaluated_at FROM ${schema}.rm_accounts WHERE account_id = 'acct-3'`))
      .rows[0];
    expect(after.evaluated_at).toEqual(new Date('2027-02-10T23:59:59.999Z'));
    expect(after.health_score).not.toBe(before.health_score);
    await projector.stop();
  }, 60_000);
});

/** Small seeded PRNG, so a failing run can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ReadModelProjector, projecting a batch while the one before it is written', () => {
  let env: Awaited<ReturnType<typeof setUp>>;
  let projectorPool: Pool;
  let projectorStore: PostgresEventStore;
  let projector: ReadModelProjector;
  let before: (text: string) => Error | Promise<void> | undefined = () => undefined;
  const day = new Date('2026-11-22T23:59:00Z');

  beforeEach(async () => {
    now = day;
    env = await setUp('projector_ahead');
    projectorPool = new Pool({ connectionString: env.database.url, max: 6 });
    projectorPool.on('error', () => undefined);
    interceptQueries(projectorPool, (text) => before(text));
    projectorStore = new PostgresEventStore(projectorPool, { idleWaitMs: 100 });
    projector = new ReadModelProjector(projectorPool, projectorStore, clock, DEFAULT_SCORING_CONFIG, silent, { retryDelayMs: 1 });
    projector.start();
    // Past its start (which re-evaluates, in a transaction of its own) before any query is held or failed.
    await appendFacts(env.store, 'warm-up', aYearOf(1));
    await untilCaughtUp(projector, env.store);
  });
  afterEach(async () => {
    before = () => undefined;
    await projector.stop();
    await projectorStore.close();
    await projectorPool.end();
    await env.store.close();
    await env.pool.end();
    await env.database.drop();
  });

  it('projects a batch again when a UTC midnight passed between its projection and its transaction', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let holding!: () => void;
    const begun = new Promise<void>((resolve) => (holding = resolve));
    before = (text) => {
      if (!text.startsWith('BEGIN')) return undefined;
      before = () => undefined;
      holding();
      return held;
    };
    await appendFacts(env.store, 'late', aYearOf(2));
    await begun;
    now = new Date('2026-11-23T00:00:01Z');
    release();
    await untilCaughtUp(projector, env.store);
    const { schema } = await ensureActiveReadModel(env.pool);
    const { rows } = await env.pool.query(`SELECT evaluated_at FROM ${schema}.rm_accounts WHERE account_id = 'late'`);
    expect(rows).toEqual([{ evaluated_at: new Date('2026-11-23T23:59:59.999Z') }]);
  });

  it("replaces the rows of an account whose stream begins in the batch when it has rows already (not the projector's)", async () => {
    // Rows such as a restored backup could leave: the account's stream begins in the next batch, whose new accounts'
    // rows are COPYed, which a row already there would make fail at its primary key, batch after batch.
    const { schema } = await ensureActiveReadModel(env.pool);
    await env.pool.query(
      `INSERT INTO ${schema}.rm_accounts
       SELECT (jsonb_populate_record(NULL::${schema}.rm_accounts, to_jsonb(w) || '{"account_id": "restored", "name": "Stale"}')).*
       FROM ${schema}.rm_accounts w WHERE account_id = 'warm-up'`,
    );
    await appendFacts(env.store, 'restored', aYearOf(4));
    await untilCaughtUp(projector, env.store);
    const { rows } = await env.pool.query(`SELECT name, last_position FROM ${schema}.rm_accounts WHERE account_id = 'restored'`);
    expect(rows).toEqual([{ name: 'Account 4', last_position: String(await env.store.headPosition()) }]);
  });

  it('starts again from the checkpoint when the last batch fails to commit and no batch follows it', async () => {
    let failed = 0;
    before = (text) => {
      if (!text.endsWith('COMMIT') || failed > 0) return undefined;
      failed += 1;
      return new Error('injected failure at commit');
    };
    await appendFacts(env.store, 'after-failure', aYearOf(3));
    await untilCaughtUp(projector, env.store);
    expect(failed).toBe(1);
    const { schema } = await ensureActiveReadModel(env.pool);
    const { rows } = await env.pool.query(`SELECT account_id FROM ${schema}.rm_accounts ORDER BY account_id`);
    expect(rows).toEqual([{ account_id: 'after-failure' }, { account_id: 'warm-up' }]);
  });
});

describe('ReadModelProjector on a read model of an older version', () => {
  it('rebuilds it as the current version before it follows the log', async () => {
    const env = await setUp('projector_upgrade');
    try {
      await appendFacts(env.store, 'acct-1', aYearOf(1));
      const old = await ensureActiveReadModel(env.pool);
      // What an earlier release left: its tables (here the current ones, which the rebuild must replace anyway).
      await env.pool.query('UPDATE rapport_read_model_active SET version = $1', [READ_MODEL_VERSION - 1]);
      const log: string[] = [];
      const projector = new ReadModelProjector(env.pool, env.store, clock, DEFAULT_SCORING_CONFIG, {
        info: (message) => log.push(message),
        error: () => undefined,
      });
      projector.start();
      await untilCaughtUp(projector, env.store);
      await projector.stop();
      const active = await ensureActiveReadModel(env.pool);
      expect(active.version).toBe(READ_MODEL_VERSION);
      expect(active.schema).not.toBe(old.schema);
      expect(log).toEqual([expect.stringContaining(`rebuilding it as version ${READ_MODEL_VERSION}`)]);
      const { rows } = await env.pool.query(`SELECT account_id FROM ${active.schema}.rm_accounts`);
      expect(rows).toEqual([{ account_id: 'acct-1' }]);
      const { rows: schemas } = await env.pool.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [old.schema]);
      expect(schemas).toEqual([]);
    } finally {
      await env.store.close();
      await env.pool.end();
      await env.database.drop();
    }
  });
});
