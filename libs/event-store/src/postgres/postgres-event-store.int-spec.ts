import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { migrate } from '@rapport/postgres';
import { interceptQueries } from '../../../../test/support/intercept-queries';
import { waitUntil } from '../../../../test/support/wait-until';
import { EventsAlreadyStoredError, PrecedingAppendFailedError, WrongExpectedVersionError } from '../event-store.port';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-database';
import { verifyLog } from '../verify-log';
import { UNCHAINED } from '../hash-chain';
import { describeEventStoreContract, newEvent } from '../testing/event-store.contract';
import { EVENT_STORE_MIGRATIONS } from './event-store.migrations';
import { PostgresEventStore } from './postgres-event-store';
import * as sql from './event-store.sql';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase('event_store');
  const pool = new Pool({ connectionString: database.url, max: 2 });
  await new PostgresEventStore(pool).migrate();
  await pool.end();
});
afterAll(() => database.drop());

/** `n` events of one type, each with its index in its data. */
const events = (n: number) => Array.from({ length: n }, (_, i) => newEvent('Thing', { i }));

/** A describe's own database, stores and pools, closed in that order. */
async function closeAll(db: TestDatabase, stores: PostgresEventStore[], pools: Pool[]): Promise<void> {
  await Promise.all(stores.map((store) => store.close()));
  await Promise.all(pools.map((pool) => pool.end()));
  await db.drop();
}

describeEventStoreContract(
  'PostgresEventStore',
  async () => {
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
  },
  { hashChain: true },
);

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
      expect(rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
    } finally {
      await pool.end();
    }
  });
});

describe('PostgresEventStore reads before an append', () => {
  it("reads a long stream's rarer facts through the index of its events but its bulk", async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    const store = new PostgresEventStore(pool);
    try {
      const streamId = `bulk-${randomUUID()}`;
      const events = Array.from({ length: 2_000 }, (_, i) =>
        newEvent(i % 100 === 0 ? 'ContractSigned' : i % 4 === 0 ? 'UsageReported' : 'InteractionLogged'),
      );
      await store.append([{ streamId, expectedVersion: 'no_stream', events }]);
      await pool.query('ANALYZE rapport_events');
      const { text, values } = sql.readForAppendQuery([], [{ streamId, afterVersion: -1, types: ['AccountOpened', 'ContractSigned'] }]);
      const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
      expect(rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/rapport_events_stream_not_bulk/);
      const read = await store.readForAppend([], [{ streamId, afterVersion: -1, types: ['AccountOpened', 'ContractSigned'] }]);
      expect(read.tails.get(streamId)!.map((e) => e.version)).toEqual(Array.from({ length: 20 }, (_, i) => i * 100));
      expect(read.versions.get(streamId)).toBe(1_999);
    } finally {
      await store.close();
      await pool.end();
    }
  });
});

describe('PostgresEventStore ids sent as array literals', () => {
  // Ids PostgreSQL's array syntax would misread, were they not quoted and escaped.
  const awkward = ['a"b', 'back\\slash', 'com,ma', '{braces}', ' spaced ', 'NULL', "O'Brien", 'é✓', '', 'new\nline', '\\"'];

  it('reads each text back as it was', async () => {
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      const { rows } = await pool.query<{ values: string[] }>(`SELECT ${sql.arrayLiteral(awkward)}::text[] AS values`);
      expect(rows[0].values).toEqual(awkward);
      const ids = [randomUUID(), randomUUID()];
      const uuids = await pool.query<{ ids: string[] }>(`SELECT ${sql.arrayLiteral(ids)}::uuid[]::text[] AS ids`);
      expect(uuids.rows[0].ids).toEqual(ids);
    } finally {
      await pool.end();
    }
  });

  it("finds such streams' versions and their stored events before an append, from stores that know nothing of them", async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    // Each append from a store of its own, which reads the streams' versions and looks the ids up first.
    const stores = Array.from({ length: 4 }, () => new PostgresEventStore(pool));
    try {
      const prefix = randomUUID();
      const streams = awkward.map((id) => `${prefix}${id}`);
      const stored = streams.map(() => newEvent());
      await stores[0].append(streams.map((streamId, i) => ({ streamId, expectedVersion: 'no_stream', events: [stored[i]] })));
      const appended = await stores[1].append(streams.map((streamId) => ({ streamId, expectedVersion: 0, events: [newEvent()] })));
      expect(appended.map(([e]) => [e.streamId, e.version, e.duplicate])).toEqual(streams.map((streamId) => [streamId, 1, false]));
      const again = await stores[2].append(streams.map((streamId, i) => ({ streamId, expectedVersion: 5, events: [stored[i]] })));
      expect(again.map(([e]) => [e.eventId, e.version, e.duplicate])).toEqual(stored.map((e) => [e.eventId, 0, true]));
      await expect(stores[3].append([{ streamId: streams[0], expectedVersion: 0, events: [newEvent()] }])).rejects.toThrow(
        WrongExpectedVersionError,
      );
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await pool.end();
    }
  });
});

describe('PostgresEventStore reads before an append, on statistics the log has outgrown', () => {
  // A new deployment's log grows far faster than autovacuum (a minute apart by default) re-analyses it: the planner
  // then prices a whole-log scan as cheap as it was when the log was small. Here the statistics are taken on 50
  // events of 5 streams, then 20,000 streams of one event each are appended, and autovacuum is kept away.
  let outgrown: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  beforeAll(async () => {
    outgrown = await createTestDatabase('event_store_outgrown');
    pool = new Pool({ connectionString: outgrown.url, max: 2 });
    store = new PostgresEventStore(pool);
    await store.migrate();
    await pool.query('ALTER TABLE rapport_events SET (autovacuum_enabled = off)');
    await store.append(
      Array.from({ length: 5 }, (_, s) => ({
        streamId: `early-${s}`,
        expectedVersion: 'no_stream' as const,
        events: Array.from({ length: 10 }, () => newEvent('AccountOpened')),
      })),
    );
    await pool.query('ANALYZE rapport_events');
    for (let batch = 0; batch < 10; batch++) {
      await store.append(
        Array.from({ length: 2_000 }, (_, s) => ({
          streamId: `late-${batch}-${s}`,
          expectedVersion: 'no_stream' as const,
          events: [newEvent('AccountOpened')],
        })),
      );
    }
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
    await outgrown.drop();
  });

  const plan = async (streams: Array<{ streamId: string; afterVersion: number; types?: readonly string[] }>): Promise<string> => {
    const { text, values } = sql.readForAppendQuery(
      streams.map(() => randomUUID()),
      streams,
    );
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  };
  const newStreams = (types?: readonly string[]) =>
    Array.from({ length: 150 }, (_, i) => ({ streamId: `new-${i}`, afterVersion: -1, ...(types ? { types } : {}) }));

  it('looks each stream and each event id up in an index, never scanning the log', async () => {
    for (const streams of [newStreams(['AccountOpened', 'ContractSigned']), newStreams()]) {
      const text = await plan(streams);
      expect(text).not.toMatch(/Seq Scan on rapport_events/);
      expect(text).toMatch(/rapport_events_event_id_key/);
      expect(text).toMatch(/rapport_events_stream_(not_bulk|version_key)/);
    }
  });

  it('looks them up in an index under the write lock too', async () => {
    const text = sql.storedAndVersionsSQL(
      Array.from({ length: 150 }, () => randomUUID()),
      newStreams().map((s) => s.streamId),
    );
    const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`);
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/Seq Scan on rapport_events/);
    expect(plan).toMatch(/rapport_events_event_id_key/);
  });

  it('reads what it read before', async () => {
    const read = await store.readForAppend(
      [],
      [
        { streamId: 'early-3', afterVersion: 6 },
        { streamId: 'late-4-7', afterVersion: -1 },
      ],
    );
    expect(read.tails.get('early-3')!.map((e) => e.version)).toEqual([7, 8, 9]);
    expect(read.tails.get('late-4-7')!.map((e) => e.version)).toEqual([0]);
    expect(read.versions).toEqual(
      new Map([
        ['early-3', 9],
        ['late-4-7', 0],
      ]),
    );
  });
});

describe('PostgresEventStore onlyNew appends', () => {
  let db: TestDatabase;
  let pool: Pool;
  let otherPool: Pool;
  let store: PostgresEventStore;
  let other: PostgresEventStore;
  /** Added to this store's clock. */
  let skewMs: number;
  /** Every statement the store's connections sent, as sent. */
  let sent: string[];
  beforeEach(async () => {
    db = await createTestDatabase('only_new');
    pool = new Pool({ connectionString: db.url, max: 3 });
    otherPool = new Pool({ connectionString: db.url, max: 2 });
    sent = [];
    skewMs = 0;
    interceptQueries(pool, (text) => void sent.push(text));
    store = new PostgresEventStore(pool, { clock: () => Date.now() + skewMs });
    other = new PostgresEventStore(otherPool);
    await store.migrate();
  });
  afterEach(() => closeAll(db, [store, other], [pool, otherPool]));

  /** The statements that took the write lock. */
  const locking = () => sent.filter((text) => text.startsWith('BEGIN;') && text.includes('FOR UPDATE'));

  it("looks no onlyNew append's ids up under the lock, large or small, and every other append's", async () => {
    const [large, single, other] = [events(100), events(1), events(1)];
    await store.append([{ streamId: 'account-a', expectedVersion: 'no_stream', events: large }], { onlyNew: true });
    await store.append([{ streamId: 'account-b', expectedVersion: 'no_stream', events: single }], { onlyNew: true });
    await store.append([{ streamId: 'account-c', expectedVersion: 'no_stream', events: other }]);
    // The lookup of stored events (by id, under the lock); the second append is written in one statement, its rows in it.
    const looksUp = (text: string, eventId: string) => text.includes('CROSS JOIN LATERAL') && text.includes(eventId);
    expect(locking()).toHaveLength(3);
    expect(looksUp(locking()[0], large[0].eventId)).toBe(false);
    expect(looksUp(locking()[1], single[0].eventId)).toBe(false);
    expect(looksUp(locking()[2], other[0].eventId)).toBe(true);
    expect((await store.readStream('account-a')).map((e) => e.data)).toEqual(large.map((e) => e.data));
  });

  it('refuses an onlyNew append, large or small, holding an event stored before, and appends none of it', async () => {
    const [first] = events(1);
    await other.append([{ streamId: 'account-other', expectedVersion: 'no_stream', events: [first] }]);
    for (const batch of [
      [...events(99), first],
      [first, ...events(1)],
    ]) {
      const refused = store.append([{ streamId: 'account-a', expectedVersion: 'no_stream', events: batch }], { onlyNew: true });
      await expect(refused).rejects.toBeInstanceOf(EventsAlreadyStoredError);
      await expect(refused).rejects.toMatchObject({ eventIds: [first.eventId] });
    }
    expect(await store.headPosition()).toBe(1);
    // Appends queued behind a retried group are written as usual.
    const [[appended]] = await store.append([{ streamId: 'account-a', expectedVersion: 'no_stream', events: events(1) }], {
      onlyNew: true,
    });
    expect(appended).toMatchObject({ version: 0, globalPosition: 2, duplicate: false });
  });

  const appendTo = (target: PostgresEventStore, streamId: string, expectedVersion: number | 'no_stream', n = 1) =>
    target.append([{ streamId, expectedVersion, events: events(n) }], { onlyNew: true });
  /** What the store sent for `action`. */
  const statementsOf = async (action: () => Promise<unknown>) => {
    const before = sent.length;
    await action();
    return sent.slice(before);
  };
  const readsVersions = (text: string) => text.includes('ORDER BY e.version DESC LIMIT 1');

  it('writes a group of streams it wrote last in one statement, which checks the head under the lock', async () => {
    expect((await statementsOf(() => appendTo(store, 'account-a', 'no_stream'))).filter(readsVersions)).toHaveLength(1);

    const statements = await statementsOf(() => appendTo(store, 'account-a', 0));
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatch(/^BEGIN;\s+SELECT 1 \/ \(position = 1 AND hash IS NOT DISTINCT FROM/);
    expect(statements[0]).toContain('FOR UPDATE');
    expect(statements[0]).toMatch(/COMMIT$/);
    expect(readsVersions(statements[0])).toBe(false);

    // Large groups too (COPY): the lock and its check, without the read of the versions.
    const copied = await statementsOf(() => appendTo(store, 'account-a', 1, 100));
    expect(copied.filter(readsVersions)).toHaveLength(0);
    expect(copied[0]).toMatch(/^BEGIN;\s+SELECT 1 \/ \(position = 2 AND/);
    expect((await store.readStream('account-a')).map((e) => [e.version, e.globalPosition])).toEqual(
      Array.from({ length: 102 }, (_, i) => [i, i + 1]),
    );
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 102 });
  });

  it('writes appends that open streams it does not know in one statement, on the head it knows, small groups and large', async () => {
    await appendTo(store, 'account-a', 'no_stream');
    for (const [streamId, n] of [
      ['account-new', 1],
      ['account-large', 100],
    ] as const) {
      const statements = await statementsOf(async () => {
        const [results] = await appendTo(store, streamId, 'no_stream', n);
        expect(results.map((e) => e.version)).toEqual(Array.from({ length: n }, (_, i) => i));
      });
      expect(statements.filter(readsVersions)).toHaveLength(0);
      expect(statements[0]).toMatch(/^BEGIN;\s+SELECT 1 \/ \(position = \d+ AND/);
    }
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 102 });
  });

  it('refuses an append expecting no stream of one stored before it knew the head, small or large, and appends none of it', async () => {
    for (const n of [1, 100]) await appendTo(other, `account-old-${n}`, 'no_stream', 2);
    // This store learns the head after those appends: it knows the head, not their streams.
    await appendTo(store, 'account-a', 'no_stream');
    for (const n of [1, 100]) {
      const before = sent.length;
      const refused = store.append(
        [
          { streamId: 'account-fresh', expectedVersion: 'no_stream', events: events(n) },
          { streamId: `account-old-${n}`, expectedVersion: 'no_stream', events: events(n) },
        ],
        { onlyNew: true },
      );
      await expect(refused).rejects.toMatchObject({ name: 'WrongExpectedVersionError', streamId: `account-old-${n}`, actual: 1 });
      // Written on the head it knew, refused by the unique index on versions, then read: the log's answer.
      const statements = sent.slice(before);
      expect(statements[0]).toMatch(/^BEGIN;\s+SELECT 1 \/ \(position = 5 AND/);
      expect(statements.slice(1).some(readsVersions)).toBe(true);
      expect(await store.headPosition()).toBe(5);
      expect(await store.readStream('account-fresh')).toEqual([]);
    }
    const [[opened]] = await appendTo(store, 'account-fresh', 'no_stream');
    expect(opened).toMatchObject({ version: 0, globalPosition: 6 });
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 6 });
  });

  it('writes the group again the usual way when another writer appended since, the chain unbroken', async () => {
    await appendTo(store, 'account-a', 'no_stream');
    await appendTo(other, 'account-b', 'no_stream');
    const statements = await statementsOf(async () => {
      const [[appended]] = await appendTo(store, 'account-a', 0);
      expect(appended).toMatchObject({ version: 1, globalPosition: 3, duplicate: false });
    });
    // The check refused the known head (and rolled back), then the group was read and written.
    expect(statements[0]).toMatch(/^BEGIN;\s+SELECT 1 \/ \(position = 1 AND/);
    expect(statements.filter(readsVersions)).toHaveLength(1);
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 3 });
    // Known again from that read on.
    expect(await statementsOf(() => appendTo(store, 'account-a', 1))).toHaveLength(1);
  });

  it('answers a version conflict as the log has it, not as the store knew it', async () => {
    await appendTo(store, 'account-a', 'no_stream');
    await appendTo(other, 'account-a', 0);
    // The store still knows account-a at version 0: its plan holds, the check refuses it, the read finds version 1.
    await expect(appendTo(store, 'account-a', 0)).rejects.toMatchObject({ name: 'WrongExpectedVersionError', actual: 1 });
    // And a version the store knows to be wrong is checked against the log before it is refused.
    const statements = await statementsOf(() => expect(appendTo(store, 'account-a', 5)).rejects.toMatchObject({ actual: 1 }));
    expect(statements.filter(readsVersions)).toHaveLength(1);
    expect(await store.headPosition()).toBe(2);
  });

  it('refuses, in the same group, an append after one refused there, though the versions it counted hold', async () => {
    await appendTo(store, 'account-a', 'no_stream', 2);
    // The writer gives its connection back once it finds its queue empty, just after it settled that append.
    await new Promise((resolve) => setImmediate(resolve));
    const before = locking().length;
    // The first append takes the idle writer; the next three queue behind it and are written as one group.
    const busy = appendTo(store, 'account-busy', 'no_stream');
    const refused = appendTo(store, 'account-a', 0);
    const follower = store.append([{ streamId: 'account-a', expectedVersion: 1, events: events(1) }], { onlyNew: true, after: [refused] });
    const unrelated = appendTo(store, 'account-b', 'no_stream');
    await busy;
    await expect(refused).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(follower).rejects.toBeInstanceOf(PrecedingAppendFailedError);
    expect(await unrelated).toEqual([[expect.objectContaining({ streamId: 'account-b', version: 0 })]]);
    expect(locking().length - before).toBe(2);
    expect((await store.readStream('account-a')).map((e) => e.version)).toEqual([0, 1]);
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 4 });
  });

  it('refuses an event another writer stored meanwhile, as when it reads first', async () => {
    await appendTo(store, 'account-a', 'no_stream');
    const [taken] = events(1);
    await other.append([{ streamId: 'account-b', expectedVersion: 'no_stream', events: [taken] }]);
    const refused = store.append([{ streamId: 'account-a', expectedVersion: 0, events: [taken] }], { onlyNew: true });
    await expect(refused).rejects.toBeInstanceOf(EventsAlreadyStoredError);
    expect(await store.headPosition()).toBe(2);
  });

  it('keeps every stream gapless and the chain intact with three stores writing the same streams on what they know', async () => {
    const pools = [pool, otherPool, new Pool({ connectionString: db.url, max: 2 })];
    const stores = [store, other, new PostgresEventStore(pools[2])];
    const streams = ['account-a', 'account-b', 'account-c'];
    try {
      const written = await Promise.all(
        stores.map(async (writer) => {
          const versions = new Map<string, number>();
          let appended = 0;
          for (let i = 0; i < 40; i++) {
            const streamId = streams[i % streams.length];
            for (;;) {
              const expected = versions.get(streamId) ?? -1;
              try {
                const [[result]] = await appendTo(writer, streamId, expected < 0 ? 'no_stream' : expected);
                versions.set(streamId, result.version);
                appended++;
                break;
              } catch (error) {
                if (!(error instanceof WrongExpectedVersionError)) throw error;
                versions.set(streamId, error.actual);
              }
            }
          }
          return appended;
        }),
      );
      expect(written).toEqual([40, 40, 40]);
      const log = await store.readAll({ after: 0, limit: 1000 });
      expect(log.map((e) => e.globalPosition)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
      for (const streamId of streams) {
        const versions = log.filter((e) => e.streamId === streamId).map((e) => e.version);
        expect(versions).toEqual(versions.map((_, i) => i));
      }
      expect(await verifyLog(store)).toMatchObject({ ok: true, events: 120 });
      // The first store wrote on what it knew at least once (its statements carry the check).
      expect(sent.some((text) => text.includes('SELECT 1 / (position ='))).toBe(true);
    } finally {
      await stores[2].close();
      await pools[2].end();
    }
  });

  it("writes a group at the server's time when this process's clock has moved away from it", async () => {
    await appendTo(store, 'account-a', 'no_stream');
    skewMs = 60 * 60 * 1000;
    const [[late]] = await appendTo(store, 'account-a', 0);
    const { rows } = await otherPool.query<{ drift: number }>(
      'SELECT abs(extract(epoch FROM clock_timestamp() - recorded_at)) AS drift FROM rapport_events WHERE global_position = $1',
      [late.globalPosition],
    );
    expect(Number(rows[0].drift)).toBeLessThan(60);
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 2 });
  });
});

describe('PostgresEventStore connections', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Pool;
  /** Runs ahead of each statement the pool's clients send, as interceptQueries' `before`. */
  let beforeQuery: (text: string) => Promise<void> | undefined;
  beforeEach(async () => {
    db = await createTestDatabase('connections');
    pool = new Pool({ connectionString: db.url, max: 3 });
    admin = new Pool({ connectionString: db.url, max: 1 });
    beforeQuery = () => undefined;
    interceptQueries(pool, (text) => beforeQuery(text));
    await new PostgresEventStore(pool).migrate();
  });
  afterEach(async () => {
    await Promise.all([pool.end(), admin.end()]);
    await db.drop();
  });

  /** The writer gives its connection back once it finds its queue empty, just after it settled the last append. */
  const writerIdle = () => new Promise((resolve) => setImmediate(resolve));
  const single = (streamId: string) => [{ streamId, expectedVersion: 'any' as const, events: [newEvent('Thing')] }];

  it('writes a run of queued groups on one connection, and gives it back once the queue is empty', async () => {
    const store = new PostgresEventStore(pool, { maxEventsPerTransaction: 2 });
    const transactions: string[] = [];
    beforeQuery = (text) => void (text.startsWith('BEGIN;') && transactions.push(text));
    let checkouts = 0;
    pool.on('acquire', () => checkouts++);
    try {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.append(single(`account-${i}`))));
      expect(results.map(([[appended]]) => appended.globalPosition).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      expect(transactions.length).toBeGreaterThanOrEqual(10);
      expect(checkouts).toBe(1);
      await writerIdle();
      expect(pool.idleCount).toBe(pool.totalCount);
      await store.append(single('account-later'));
      expect(checkouts).toBe(2);
      await writerIdle();
      expect(pool.idleCount).toBe(pool.totalCount);
    } finally {
      await store.close();
    }
  });

  /** The `n`th transaction's session is ended by the server just before it begins: it cannot roll back either. */
  const breakTransaction = (n: number) => {
    let transactions = 0;
    beforeQuery = (text) => {
      if (!text.startsWith('BEGIN;') || ++transactions !== n) return undefined;
      return admin
        .query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()')
        .then(() => undefined);
    };
  };

  it('takes another connection for the next group when its own broke mid-run, and only that group fails', async () => {
    const store = new PostgresEventStore(pool, { maxEventsPerTransaction: 1 });
    breakTransaction(2);
    try {
      const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd'].map((id) => store.append(single(`account-${id}`))));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect((await store.readAll({ after: 0, limit: 10 })).map((event) => event.streamId)).toEqual([
        'account-a',
        'account-c',
        'account-d',
      ]);
    } finally {
      await store.close();
    }
  });

  it('refuses the appends that follow one whose transaction broke, in the groups after it', async () => {
    const store = new PostgresEventStore(pool, { maxEventsPerTransaction: 1 });
    breakTransaction(2);
    try {
      const first = store.append(single('account-a'));
      const broken = store.append(single('account-b'));
      const follower = store.append(single('account-b'), { after: [broken] });
      const afterFollower = store.append(single('account-c'), { after: [first, follower] });
      const independent = store.append(single('account-d'), { after: [first] });
      const outcomes = await Promise.allSettled([first, broken, follower, afterFollower, independent]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled']);
      expect(outcomes.slice(2, 4)).toEqual([
        { status: 'rejected', reason: expect.any(PrecedingAppendFailedError) },
        { status: 'rejected', reason: expect.any(PrecedingAppendFailedError) },
      ]);
      expect((await store.readAll({ after: 0, limit: 10 })).map((event) => event.streamId)).toEqual(['account-a', 'account-d']);
    } finally {
      await store.close();
    }
  });
});

describe('PostgresEventStore groups written ahead', () => {
  let db: TestDatabase;
  let pool: Pool;
  let otherPool: Pool;
  let store: PostgresEventStore;
  let other: PostgresEventStore;
  /** Every statement the store's connections sent, as sent. */
  let sent: string[];
  /** Runs ahead of each statement the store's connections send, as interceptQueries' `before`. */
  let beforeQuery: (text: string) => Promise<void> | undefined;
  beforeEach(async () => {
    db = await createTestDatabase('ahead');
    // A deadlock with another process's writer is found after deadlock_timeout (1 s by default).
    const admin = new Pool({ connectionString: db.url, max: 1 });
    await admin.query(`ALTER DATABASE ${db.url.split('/').pop()} SET deadlock_timeout = '100ms'`);
    await admin.end();
    pool = new Pool({ connectionString: db.url, max: 6 });
    otherPool = new Pool({ connectionString: db.url, max: 2 });
    sent = [];
    beforeQuery = () => undefined;
    interceptQueries(pool, (text) => {
      sent.push(text);
      return beforeQuery(text);
    });
    store = new PostgresEventStore(pool);
    other = new PostgresEventStore(otherPool);
    await store.migrate();
  });
  afterEach(() => closeAll(db, [store, other], [pool, otherPool]));

  const appendTo = (
    target: PostgresEventStore,
    streamId: string,
    batch: ReturnType<typeof events>,
    expectedVersion: number | 'no_stream' | 'any' = 'no_stream',
  ) => target.append([{ streamId, expectedVersion, events: batch }]);
  /** The statements of groups written ahead that took the lock, checking the head the group before left. */
  const aheadLocks = () => sent.filter((text) => /^SELECT 1 \/ \(position = /.test(text));
  const isAheadBegin = (text: string) => text.includes('SELECT clock_timestamp() AS now');
  const positionsOf = (results: Array<Array<{ globalPosition: number }>>) => results.flat().map((r) => r.globalPosition);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('writes large groups queued behind one in flight on connections of their own, and commits them in queue order', async () => {
    const streams = ['a', 'b', 'c', 'd'];
    const results = await Promise.all(streams.map((s) => appendTo(store, `account-${s}`, events(600))));
    // The first group took the idle writer; the 1,800 events queued behind it were split into three groups.
    expect(aheadLocks()).toHaveLength(3);
    results.forEach((result, i) => expect(positionsOf(result)).toEqual(range(i * 600 + 1, i * 600 + 600)));
    const log = await store.readAll({ after: 0, limit: 3000 });
    expect(log.map((e) => e.globalPosition)).toEqual(range(1, 2400));
    const times = log.map((e) => e.recordedAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 2400 });
  });

  it('writes a group ahead again the usual way when the group before it fails, refusing what follows the failed append', async () => {
    // PostgreSQL's jsonb refuses \u0000: the first group fails in its COPY.
    const failing = appendTo(store, 'account-a', [...events(99), newEvent('Thing', { text: 'nul \u0000' })]);
    const written = appendTo(store, 'account-b', events(100));
    const follower = store.append([{ streamId: 'account-a', expectedVersion: 'any', events: events(100) }], { after: [failing] });
    await expect(failing).rejects.toMatchObject({ code: '22P05' });
    await expect(follower).rejects.toBeInstanceOf(PrecedingAppendFailedError);
    expect(positionsOf(await written)).toEqual(range(1, 100));
    // Its rows were written ahead, then rolled back and written again once the first group had failed.
    expect(sent.filter(isAheadBegin)).toHaveLength(1);
    expect(sent.filter((text) => text.startsWith('COPY rapport_events'))).toHaveLength(3);
    expect(aheadLocks()).toHaveLength(0);
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 100 });
  });

  it('writes a group ahead again the usual way when another writer appended before its rows, the chain intact', async () => {
    const first = appendTo(store, 'account-a', events(600));
    let between: Promise<unknown> | undefined;
    // The group written ahead may begin after the first group has committed (its connection is new, the first's is
    // not): the other writer's append is awaited once it has begun, whenever that is.
    let began!: () => void;
    const aheadBegan = new Promise<void>((resolve) => (began = resolve));
    beforeQuery = (text) => {
      if (!isAheadBegin(text) || between) return undefined;
      between = first.then(() => appendTo(other, 'account-other', events(5)));
      began();
      return between.then(() => undefined);
    };
    const ahead = appendTo(store, 'account-b', events(600));
    expect(positionsOf(await first)).toEqual(range(1, 600));
    await aheadBegan;
    expect(positionsOf((await between) as Array<Array<{ globalPosition: number }>>)).toEqual(range(601, 605));
    expect(positionsOf(await ahead)).toEqual(range(606, 1205));
    expect(aheadLocks()).toHaveLength(0);
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 1205 });
  });

  it('ends the deadlock with a writer that took the lock between two groups, and writes both', async () => {
    const first = appendTo(store, 'account-a', events(600));
    let between: Promise<unknown> | undefined;
    const waitingForLock = () =>
      waitUntil(
        async () =>
          (
            await otherPool.query(
              "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
          ).rows[0].n > 0,
        'the other writer to wait for the rows written ahead',
        { timeoutMs: 5_000, intervalMs: 10 },
      );
    beforeQuery = (text) => {
      if (!/^SELECT 1 \/ \(position = /.test(text) || between) return undefined;
      // The first group has committed: the other writer takes the lock, and waits for the rows written ahead.
      between = appendTo(other, 'account-other', events(5));
      return waitingForLock();
    };
    const ahead = appendTo(store, 'account-b', events(600));
    const outcomes = await Promise.all([first, ahead]);
    const [otherResult] = (await between) as Array<Array<{ globalPosition: number; streamId: string }>>;
    expect(positionsOf(outcomes[0])).toEqual(range(1, 600));
    expect([...positionsOf(outcomes[1]), ...otherResult.map((r) => r.globalPosition)].sort((x, y) => x - y)).toEqual(range(601, 1205));
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 1205 });
  });

  it('commits a group written ahead at the time it began, though it waited over a second for the group before it', async () => {
    let delayed = false;
    // The first group's commit (a COPY's: the head's update, then COMMIT) waits 1.2 s.
    beforeQuery = (text) => {
      if (delayed || !text.startsWith('UPDATE rapport_log_head')) return undefined;
      delayed = true;
      return new Promise((resolve) => setTimeout(resolve, 1200));
    };
    const first = appendTo(store, 'account-a', events(600));
    const ahead = appendTo(store, 'account-b', events(600));
    expect(positionsOf(await first)).toEqual(range(1, 600));
    const [written] = await ahead;
    expect(written.map((r) => r.globalPosition)).toEqual(range(601, 1200));
    // Written ahead once, not refused for its time and written again.
    expect(aheadLocks()).toHaveLength(1);
    expect(sent.filter((text) => text.startsWith('COPY rapport_events'))).toHaveLength(2);
    expect(written[0].recordedAt.getTime()).toBeGreaterThanOrEqual((await first)[0][0].recordedAt.getTime());
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 1200 });
  });

  it('decides duplicates and versions on what the groups still in flight will leave', async () => {
    const [stored] = events(1);
    await appendTo(store, 'account-old', [stored]);
    await new Promise((resolve) => setImmediate(resolve));
    const batch = events(600);
    const first = appendTo(store, 'account-a', batch);
    // Ahead of the first group's commit: its events again (one stored long before), then the stream's next versions.
    const again = appendTo(store, 'account-b', [stored, ...batch.slice(0, 599)], 'any');
    const next = appendTo(store, 'account-a', events(600), 599);
    const stale = appendTo(store, 'account-a', events(1), 'no_stream');
    expect(positionsOf(await first)).toEqual(range(2, 601));
    const duplicates = (await again).flat();
    expect(duplicates.every((r) => r.duplicate)).toBe(true);
    expect(duplicates.map((r) => r.globalPosition)).toEqual([1, ...range(2, 600)]);
    expect((await next).flat().map((r) => r.version)).toEqual(range(600, 1199));
    await expect(stale).rejects.toMatchObject({ name: 'WrongExpectedVersionError', actual: 1199 });
    expect(aheadLocks().length).toBeGreaterThan(0);
    expect(await verifyLog(store)).toMatchObject({ ok: true, events: 1201 });
  });
});

describe('PostgresEventStore reads by type', () => {
  it('pages through windows of positions as if the log were read at once', async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    // Windows from 3 positions, sized to hold about 2 matches: each page below spans several windows, some of them
    // without a match, and they grow over the rare type's sparse stretches.
    const store = new PostgresEventStore(pool, { typeFilterWindow: 3, typeFilterTarget: 2 });
    try {
      const types = ['Common', 'Common', 'Rare', 'Common', 'Other', 'Common', 'Common', 'Common', 'Common', 'Rare', 'Other'];
      const streams = ['win-a', 'win-b'].map((id) => `${id}-${randomUUID()}`);
      const [[first]] = await store.append([{ streamId: streams[0], expectedVersion: 'any', events: [newEvent('Start')] }]);
      for (const [i, type] of [...types, ...types].entries()) {
        await store.append([{ streamId: streams[i % 2], expectedVersion: 'any', events: [newEvent(type, { i })] }]);
      }
      const log = await store.readAll({ after: first.globalPosition, limit: 100 });
      const until = log[log.length - 3].globalPosition;
      const paged = async (wanted: string[], limit: number) => {
        const read: number[] = [];
        for (let after = first.globalPosition; ;) {
          const page = await store.readAll({ after, limit, types: wanted, until });
          if (page.length === 0) return read;
          expect(page.length).toBeLessThanOrEqual(limit);
          read.push(...page.map((e) => e.globalPosition));
          after = page[page.length - 1].globalPosition;
        }
      };
      const expected = (wanted: string[]) =>
        log.filter((e) => wanted.includes(e.type) && e.globalPosition <= until).map((e) => e.globalPosition);
      expect(await paged(['Rare'], 1)).toEqual(expected(['Rare']));
      // Over the whole stretch at once, the windows grow where nothing matches: far fewer statements than windows of 3.
      const statements = jest.spyOn(pool, 'query');
      const rare = await store.readAll({ after: first.globalPosition, limit: 100, types: ['Rare'], until });
      expect(rare.map((e) => e.globalPosition)).toEqual(expected(['Rare']));
      expect(statements.mock.calls.length).toBeLessThan((until - first.globalPosition) / 3);
      statements.mockRestore();
      expect(await paged(['Rare', 'Other'], 2)).toEqual(expected(['Rare', 'Other']));
      expect(await paged(['Common'], 4)).toEqual(expected(['Common']));
      expect(expected(['Common'])).toHaveLength(14);
      expect(await store.readAll({ after: first.globalPosition, limit: 10, types: ['Rare'], until: first.globalPosition + 2 })).toEqual([]);
    } finally {
      await store.close();
      await pool.end();
    }
  });
});

describe('PostgresEventStore hash chain', () => {
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresEventStore;
  let eventIds: string[];
  beforeEach(async () => {
    db = await createTestDatabase('chain');
    pool = new Pool({ connectionString: db.url, max: 2 });
    store = new PostgresEventStore(pool);
    await store.migrate();
    const events = Array.from({ length: 10 }, (_, i) => newEvent('Thing', { i }));
    eventIds = events.map((e) => e.eventId);
    // Two appends: a small one (INSERT) and a large one (COPY), with one more single event between.
    await store.append([{ streamId: 'account-a', expectedVersion: 'no_stream', events: events.slice(0, 3) }]);
    await store.append([{ streamId: 'account-b', expectedVersion: 'no_stream', events: events.slice(3) }]);
  });
  afterEach(async () => {
    await store.close();
    await pool.end();
    await db.drop();
  });

  /** What an intruder with the table owner's rights does: bypass the append-only trigger for one statement. */
  async function tamper(statement: string): Promise<void> {
    await pool.query(`BEGIN;
      ALTER TABLE rapport_events DISABLE TRIGGER rapport_events_append_only;
      ${statement};
      ALTER TABLE rapport_events ENABLE TRIGGER rapport_events_append_only;
      COMMIT`);
  }

  it('verifies an intact log, COPY and INSERT paths alike', async () => {
    const verdict = await verifyLog(store, { pageSize: 4 });
    expect(verdict).toEqual({ ok: true, events: 10, head: { position: 10, hash: (await store.recordedHead()).hash } });
  });

  it('finds and names an edited event', async () => {
    await tamper(`UPDATE rapport_events SET data = '{"i": 99}' WHERE event_id = '${eventIds[5]}'`);
    const verdict = await verifyLog(store, { pageSize: 4 });
    expect(verdict.ok).toBe(false);
    expect(verdict.events).toBe(5);
    expect(verdict.firstBroken).toEqual(
      expect.objectContaining({
        eventId: eventIds[5],
        position: 6,
        reason: 'hash_mismatch',
        expected: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    );
    expect(verdict.firstBroken!.found).not.toBe(verdict.firstBroken!.expected);
  });

  it("finds an edit that recomputes the edited event's own hash: the next link no longer matches", async () => {
    const [link] = await store.readChain({ after: 5, limit: 1 });
    const { chainHash } = await import('../hash-chain');
    const forged = chainHash({ ...link, metadata: { ...link.metadata, source: 'forged' } }, link.prevHash!);
    await tamper(
      `UPDATE rapport_events SET metadata = '{"source": "forged"}', hash = decode('${forged}', 'hex') WHERE global_position = 6`,
    );
    const verdict = await verifyLog(store);
    expect(verdict.firstBroken).toEqual(expect.objectContaining({ position: 7, eventId: eventIds[6], reason: 'hash_mismatch' }));
  });

  it('finds a deleted event, and a deleted tail', async () => {
    await tamper(`DELETE FROM rapport_events WHERE global_position = 4`);
    expect((await verifyLog(store)).firstBroken).toEqual(expect.objectContaining({ position: 4, eventId: null, reason: 'missing' }));
    await tamper(`DELETE FROM rapport_events WHERE global_position >= 4`);
    const verdict = await verifyLog(store);
    expect(verdict.events).toBe(3);
    expect(verdict.firstBroken).toEqual(expect.objectContaining({ position: 4, reason: 'missing' }));
    expect(verdict.firstBroken!.detail).toMatch(/ends at position 3, but its head records 10/);
  });

  it('finds two events that swapped places', async () => {
    await tamper(`UPDATE rapport_events SET global_position = -global_position WHERE global_position IN (7, 8);
      UPDATE rapport_events SET global_position = CASE global_position WHEN -7 THEN 8 ELSE 7 END WHERE global_position < 0`);
    const verdict = await verifyLog(store);
    expect(verdict.firstBroken).toEqual(expect.objectContaining({ position: 7, eventId: eventIds[7], reason: 'hash_mismatch' }));
  });

  it('chains the events a store kept before the chain existed, when it migrates', async () => {
    const legacy = await createTestDatabase('chain_legacy');
    const legacyPool = new Pool({ connectionString: legacy.url, max: 2 });
    try {
      await migrate(legacyPool, 'rapport_event_store', EVENT_STORE_MIGRATIONS.slice(0, 1));
      const ids = [randomUUID(), randomUUID(), randomUUID()];
      await legacyPool.query(
        `INSERT INTO rapport_events (global_position, event_id, stream_id, version, type, data, metadata, schema_version, recorded_at)
         SELECT n, ($1::uuid[])[n], 'account-old', n - 1, 'Thing', jsonb_build_object('n', n), '{}', 1, transaction_timestamp()
         FROM generate_series(1, 3) n`,
        [ids],
      );
      await legacyPool.query('UPDATE rapport_log_head SET position = 3');
      const upgraded = new PostgresEventStore(legacyPool);
      await upgraded.migrate();
      await upgraded.append([{ streamId: 'account-old', expectedVersion: 2, events: [newEvent()] }]);
      const verdict = await verifyLog(upgraded);
      expect(verdict).toEqual(expect.objectContaining({ ok: true, events: 4 }));
      expect((await upgraded.readChain({ after: 0, limit: 10 })).map((l) => l.eventId)).toEqual([...ids, expect.any(String)]);
      await upgraded.close();
    } finally {
      await legacyPool.end();
      await legacy.drop();
    }
  });

  it('chains a COPY sent in several chunks as one run of links', async () => {
    const events = Array.from({ length: 601 }, (_, i) => newEvent('Thing', { i }));
    await store.append([{ streamId: 'account-big', expectedVersion: 'no_stream', events }]);
    const verdict = await verifyLog(store, { pageSize: 100 });
    expect(verdict).toEqual({ ok: true, events: 611, head: { position: 611, hash: (await store.recordedHead()).hash } });
    expect((await store.readStream('account-big')).map((e) => e.data)).toEqual(events.map((e) => e.data));
  });

  it('stores awkward text exactly through the COPY path as through INSERT, and chains it', async () => {
    // COPY's text format must escape the tabs, newlines and backslashes of texts and JSON; INSERT's parameters need not.
    const awkward = (i: number) => ({
      i,
      text: `tab\there, newline\n, backslash \\ and "quotes" — zürich 東京 😀 ${i}`,
      control: '\u0001\u001f',
      big: 2 ** 40 + i,
      fraction: -0.000123,
      list: [null, true, { z: 1, a: 'é' }],
    });
    const stream = 'account-tab\tback\\slash-😀';
    const events = Array.from({ length: 70 }, (_, i) => ({ ...newEvent(`Type ü ${i % 2}`, awkward(i)), metadata: { note: 'ü\\😀' } }));
    await store.append([{ streamId: stream, expectedVersion: 'no_stream', events: events.slice(0, 1) }]);
    await store.append([{ streamId: stream, expectedVersion: 0, events: events.slice(1) }]);
    const stored = await store.readStream(stream);
    expect(stored.map((e) => [e.eventId, e.type, e.data, e.metadata, e.streamId])).toEqual(
      events.map((e) => [e.eventId, e.type, e.data, e.metadata, stream]),
    );
    const { rows } = await pool.query<{ n: number; recorded: number }>(
      'SELECT count(*)::int AS n, count(DISTINCT recorded_at)::int AS recorded FROM rapport_events WHERE stream_id = $1',
      [stream],
    );
    expect(rows[0]).toEqual({ n: 70, recorded: 2 });
    expect((await verifyLog(store, { pageSize: 16 })).ok).toBe(true);
  });

  it("writes the same events without hashes under bench/append's unchained baseline, INSERT and COPY paths alike", async () => {
    const unchained = new PostgresEventStore(pool, { chain: UNCHAINED });
    const events = Array.from({ length: 70 }, (_, i) => newEvent('Thing', { i, nested: { b: 1, a: [i] } }));
    await unchained.append([{ streamId: 'account-c', expectedVersion: 'no_stream', events: events.slice(0, 1) }]);
    await unchained.append([{ streamId: 'account-c', expectedVersion: 0, events: events.slice(1) }]);
    await unchained.close();
    const { rows } = await pool.query(
      'SELECT count(*)::int AS n, count(hash)::int AS hashed FROM rapport_events WHERE global_position > 10',
    );
    expect(rows[0]).toEqual({ n: 70, hashed: 0 });
    expect(await store.recordedHead()).toEqual(expect.objectContaining({ position: 80, hash: null }));
    const stored = await store.readStream('account-c');
    expect(stored.map((e) => e.data)).toEqual(events.map((e) => e.data));
  });
});
