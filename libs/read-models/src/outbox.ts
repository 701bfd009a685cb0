import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyJson, copyText, CopyTextBuffer, Migration, migrate, NEWLINE, TAB } from '@rapport/postgres';
import { OutboundEvent } from './outbound-events';

/**
 * The transactional outbox: outbound events are written in the projector's transaction, with the read-model rows
 * that caused them, and relayed afterwards. `seq` orders them; the projector is the only writer and holds the
 * checkpoint row while it writes, so sequence order is commit order and a reader by `seq` skips nothing.
 * It lives outside the read-model schemas: a rebuild never emits again what was emitted once. The relay records each
 * batch it has published in `rapport_outbox_relayed` (its last `seq` and when), not on the rows.
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
  {
    // Marking each relayed row rewrote it and its index entries: under bench/pipeline's burst that UPDATE was the
    // largest of the outbox's statements, which together cost PostgreSQL more than the read model's rows. Rows are
    // relayed in `seq` order, so a relayed batch is recorded by its last `seq` alone. The rows marked so far are a
    // prefix of the outbox (the relay marked the oldest unsent ones each time, with one now() a batch): each batch
    // carries over as one row.
    version: 2,
    name: 'relayed batches instead of a mark per row',
    sql: `
      CREATE TABLE rapport_outbox_relayed (
        up_to_seq bigint      PRIMARY KEY,
        sent_at   timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO rapport_outbox_relayed (up_to_seq, sent_at)
        SELECT max(seq), sent_at FROM rapport_outbox
        WHERE sent_at IS NOT NULL
          AND seq < coalesce((SELECT min(seq) FROM rapport_outbox WHERE sent_at IS NULL), 9223372036854775807)
        GROUP BY sent_at;
      DROP INDEX rapport_outbox_unsent;
      ALTER TABLE rapport_outbox DROP COLUMN sent_at;`,
  },
  {
    // A payload is written once and read whole by the relay and SSE, never queried inside: json keeps the text as
    // written (JSON.stringify's), where jsonb parsed it into its binary form on the way in and wrote it out again on
    // every read. bench:projector, three alternated pairs: PostgreSQL 26.3–34.7 µs an event against 30.0–43.3;
    // bench:relay: 2.6–2.8 µs a message against 4.2–4.6 (docs/benchmarks.md, "The read model's documents as json").
    // The rows already there keep jsonb's text (its key order, a space after each colon and comma).
    version: 3,
    name: 'payloads as json',
    sql: `ALTER TABLE rapport_outbox ALTER COLUMN payload TYPE json USING payload::json;`,
  },
];

/**
 * The relay's position: the last `seq` it has published (0 before the first batch). A row's `sent_at` is that of the
 * first relayed batch whose `up_to_seq` reaches it.
 */
export const RELAYED_UP_TO_SQL = 'SELECT coalesce(max(up_to_seq), 0) AS up_to_seq FROM rapport_outbox_relayed';

export const OUTBOX_CHANNEL = 'rapport_outbox';

export async function migrateOutbox(pool: Pool): Promise<void> {
  await migrate(pool, 'rapport_outbox', OUTBOX_MIGRATIONS);
}

/**
 * Writes `events` to the outbox in their order, each event id once: ids the outbox holds already (a checkpoint set
 * back, a read model restored from a backup: the projector derives the same ids again) and repeats within `events`
 * are left out. The ids are looked up first and the rest COPYed: PostgreSQL spent 26.5 µs of CPU a row on the
 * `INSERT … SELECT FROM jsonb_array_elements(…) ON CONFLICT DO NOTHING` this replaced, 11.0 on the lookup and COPY
 * (1,000-row batches of ChurnRiskRaised, six alternated rounds; docs/benchmarks.md, "The outbox written by COPY").
 * The projector writes under its checkpoint row's lock, so no other outbox write comes between the lookup and the
 * COPY; should one ever, the unique index refuses the COPY and the caller's transaction fails and is retried.
 */
export async function writeOutbox(client: PoolClient, events: readonly OutboundEvent[]): Promise<void> {
  if (events.length === 0) return;
  // The lookup's round trip also notifies the relay, which hears of the rows at commit.
  const { rows } = await client.query<{ stored: string[] }>(
    `SELECT array(SELECT event_id::text FROM rapport_outbox WHERE event_id = ANY($1::uuid[])) AS stored,
            pg_notify('${OUTBOX_CHANNEL}', '')`,
    [events.map((e) => e.eventId)],
  );
  // uuid's text is lowercase: the ids are compared so, whatever case they came in.
  const written = new Set(rows[0].stored);
  const copy = new CopyTextBuffer(events.length * 512);
  for (const event of events) {
    const id = event.eventId.toLowerCase();
    if (written.has(id)) continue;
    written.add(id);
    copy.ascii(id).byte(TAB).text(copyText(event.accountId)).byte(TAB).text(copyText(event.type)).byte(TAB);
    copy.text(copyJson(JSON.stringify(event))).byte(NEWLINE);
  }
  const data = copy.result();
  if (data.length === 0) return;
  await pipeline(Readable.from([data]), client.query(copyFrom('COPY rapport_outbox (event_id, account_id, type, payload) FROM STDIN')));
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
