import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { inTransaction, migrate } from '@rapport/postgres';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { OutboundEvent } from './outbound-events';
import { migrateOutbox, OUTBOX_CHANNEL, OUTBOX_MIGRATIONS, RELAYED_UP_TO_SQL, writeOutbox } from './outbox';

describe('the outbox migrations', () => {
  let database: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    database = await createTestDatabase('outbox_migrations');
    pool = new Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  it('carries the rows a relay marked sent over as its batches, and leaves the rest to relay from there', async () => {
    // An outbox as version 1 left it: two batches marked (one now() each), then rows not yet relayed.
    await migrate(pool, 'rapport_outbox', OUTBOX_MIGRATIONS.slice(0, 1));
    await pool.query(
      `INSERT INTO rapport_outbox (event_id, account_id, type, payload)
       SELECT ($1::uuid[])[i], 'acct', 'ChurnRiskRaised', jsonb_build_object('n', i) FROM generate_series(1, 7) AS i`,
      [Array.from({ length: 7 }, () => randomUUID())],
    );
    await pool.query(`UPDATE rapport_outbox SET sent_at = '2026-12-01T10:00:00Z' WHERE seq <= 3`);
    await pool.query(`UPDATE rapport_outbox SET sent_at = '2026-12-01T10:00:05Z' WHERE seq IN (4, 5)`);

    await migrateOutbox(pool);

    const { rows } = await pool.query<{ up_to_seq: string; sent_at: Date }>(
      'SELECT up_to_seq, sent_at FROM rapport_outbox_relayed ORDER BY up_to_seq',
    );
    expect(rows.map((r) => [Number(r.up_to_seq), r.sent_at.toISOString()])).toEqual([
      [3, '2026-12-01T10:00:00.000Z'],
      [5, '2026-12-01T10:00:05.000Z'],
    ]);
    expect(Number((await pool.query(RELAYED_UP_TO_SQL)).rows[0].up_to_seq)).toBe(5);
    const columns = await pool.query<{ column_name: string; data_type: string }>(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'rapport_outbox'",
    );
    expect(columns.rows.map((c) => c.column_name)).not.toContain('sent_at');
    // Version 3: the payloads are json, the rows written as jsonb kept.
    expect(columns.rows.find((c) => c.column_name === 'payload')?.data_type).toBe('json');
    const payloads = await pool.query<{ payload: unknown }>('SELECT payload FROM rapport_outbox ORDER BY seq');
    expect(payloads.rows.map((r) => r.payload)).toEqual(Array.from({ length: 7 }, (_, i) => ({ n: i + 1 })));
    // Each row's sent_at, as the relay's batches record it: none yet for the last two.
    const sent = await pool.query<{ seq: string; sent_at: Date | null }>(
      `SELECT o.seq, r.sent_at FROM rapport_outbox o
       LEFT JOIN LATERAL (SELECT sent_at FROM rapport_outbox_relayed WHERE up_to_seq >= o.seq ORDER BY up_to_seq LIMIT 1) r ON true
       ORDER BY o.seq`,
    );
    expect(sent.rows.map((r) => r.sent_at?.toISOString() ?? null)).toEqual([
      ...Array<string>(3).fill('2026-12-01T10:00:00.000Z'),
      ...Array<string>(2).fill('2026-12-01T10:00:05.000Z'),
      null,
      null,
    ]);
  });
});

describe('writeOutbox', () => {
  let database: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    database = await createTestDatabase('outbox_write');
    pool = new Pool({ connectionString: database.url, max: 3 });
    await migrateOutbox(pool);
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  const outbound = (accountId: string, figures: Record<string, unknown> = { score: 61 }): OutboundEvent => ({
    eventId: randomUUID(),
    type: 'ChurnRiskRaised',
    accountId,
    occurredAt: '2026-12-04T10:00:00.000Z',
    causedBy: { eventId: randomUUID(), globalPosition: 7 },
    figures,
  });
  const stored = async (ids: readonly string[]) =>
    (
      await pool.query<{ event_id: string; account_id: string; type: string; payload: OutboundEvent }>(
        'SELECT event_id, account_id, type, payload FROM rapport_outbox WHERE event_id = ANY($1::uuid[]) ORDER BY seq',
        [ids],
      )
    ).rows;
  const write = (events: readonly OutboundEvent[]) => inTransaction(pool, (client) => writeOutbox(client, events));

  it('stores each event in order with its payload as given, texts COPY must escape among them', async () => {
    const events = [
      outbound('acme\tcorp\\eu\nwest'),
      outbound('bäckerei "müller" 東京', { explanation: 'tab\there, backslash \\ and "quotes"', points: [1.5, -2, 1e21], empty: {} }),
      outbound('plain'),
    ];
    await write(events);
    const rows = await stored(events.map((e) => e.eventId));
    expect(rows.map((r) => [r.event_id, r.account_id, r.type])).toEqual(events.map((e) => [e.eventId, e.accountId, e.type]));
    expect(rows.map((r) => r.payload)).toEqual(events);
  });

  it('leaves out the events it holds already and the repeats within a batch, and writes the rest', async () => {
    const held = outbound('held');
    await write([held]);
    const fresh = outbound('fresh');
    const later = outbound('later');
    await write([{ ...held, figures: { score: 99 } }, fresh, fresh, later]);
    expect((await stored([held.eventId, fresh.eventId, later.eventId])).map((r) => [r.account_id, r.payload.figures])).toEqual([
      ['held', { score: 61 }],
      ['fresh', { score: 61 }],
      ['later', { score: 61 }],
    ]);
    await write([held, { ...fresh, eventId: fresh.eventId.toUpperCase() }]);
    expect(await stored([held.eventId, fresh.eventId])).toHaveLength(2);
  });

  it('tells the relay at commit, and not at all when the transaction rolls back', async () => {
    const listener = await pool.connect();
    const heard: string[] = [];
    listener.on('notification', (message) => heard.push(message.channel));
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    try {
      await expect(
        inTransaction(pool, async (client) => {
          await writeOutbox(client, [outbound('rolled back')]);
          throw new Error('the batch failed');
        }),
      ).rejects.toThrow('the batch failed');
      await write([outbound('committed')]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heard).toEqual([OUTBOX_CHANNEL]);
      expect((await pool.query("SELECT count(*)::int AS n FROM rapport_outbox WHERE account_id = 'rolled back'")).rows[0].n).toBe(0);
    } finally {
      listener.release();
    }
  });
});
