import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { migrate } from '@rapport/postgres';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { migrateOutbox, OUTBOX_MIGRATIONS, RELAYED_UP_TO_SQL } from './outbox';

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
    const columns = await pool.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'rapport_outbox'");
    expect(columns.rows.map((c) => c.column_name)).not.toContain('sent_at');
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
