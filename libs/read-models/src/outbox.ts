import { Pool, PoolClient } from 'pg';
import { Migration, migrate } from '@rapport/postgres';
import { OutboundEvent } from './outbound-events';

/**
 * The transactional outbox: outbound events are written in the projector's transaction, with the read-model rows
 * that caused them, and relayed afterwards. `seq` orders them; the projector is the only writer and holds the
 * checkpoint row while it writes, so sequence order is commit order and a reader by `seq` skips nothing.
 * It lives outside the read-model schemas: a rebuild never emits again what was emitted once.
 */
export const OUTBOX_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'outbox',
    sql: `
      CREATE TABLE rapport_outbox (
        seq        bigserial   PRIMARY KEY,
        event_id   uuid        NOT NULL UNIQUE,
        account_id text        NOT NULL,
        type       text        NOT NULL,
        payload    jsonb       NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at    timestamptz
      );
      CREATE INDEX rapport_outbox_unsent ON rapport_outbox (seq) WHERE sent_at IS NULL;`,
  },
];

export const OUTBOX_CHANNEL = 'rapport_outbox';

export async function migrateOutbox(pool: Pool): Promise<void> {
  await migrate(pool, 'rapport_outbox', OUTBOX_MIGRATIONS);
}

export async function writeOutbox(client: PoolClient, events: readonly OutboundEvent[]): Promise<void> {
  if (events.length === 0) return;
  // One round trip: the relay hears of the rows at commit.
  await client.query(
    `WITH written AS (
       INSERT INTO rapport_outbox (event_id, account_id, type, payload)
       SELECT (e->>'eventId')::uuid, e->>'accountId', e->>'type', e FROM jsonb_array_elements($1::jsonb) AS e
       ON CONFLICT (event_id) DO NOTHING)
     SELECT pg_notify('${OUTBOX_CHANNEL}', '')`,
    [JSON.stringify(events)],
  );
}

export interface OutboxRow {
  seq: number;
  event: OutboundEvent;
}

/** Outbox events after `seq`, in order (SSE and catch-up readers). */
export async function readOutbox(pool: Pool, afterSeq: number, limit: number): Promise<OutboxRow[]> {
  const { rows } = await pool.query<{ seq: string; payload: OutboundEvent }>(
    'SELECT seq, payload FROM rapport_outbox WHERE seq > $1 ORDER BY seq LIMIT $2',
    [afterSeq, limit],
  );
  return rows.map((r) => ({ seq: Number(r.seq), event: r.payload }));
}
