import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { NewEvent } from '@rapport/event-store';
import { copyJson, CopyTextBuffer, NEWLINE, TAB } from '@rapport/postgres';

/**
 * The baseline every append figure is a ratio to: PostgreSQL itself, driven by node `pg` with no event store around
 * it, writing the same rows to a table with what any event store must index (a position, a unique event id, a unique
 * version per stream) and nothing else: no lock, no version check, no hash, no notification.
 */
export const RAW_TABLE_SQL = `
  CREATE TABLE IF NOT EXISTS raw_events (
    position    bigserial   PRIMARY KEY,
    event_id    uuid        NOT NULL UNIQUE,
    stream_id   text        NOT NULL,
    version     integer     NOT NULL,
    type        text        NOT NULL,
    data        jsonb       NOT NULL,
    metadata    jsonb       NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (stream_id, version)
  )`;

/** How the rows go in: one INSERT per event (its own transaction), one INSERT of the whole batch, or one COPY. */
export type RawWrite = 'insert' | 'batched insert' | 'copy';

export interface RawWriter {
  write(stream: string, firstVersion: number, events: NewEvent[]): Promise<void>;
  close(): Promise<void>;
}

export async function rawWriter(url: string, how: RawWrite): Promise<RawWriter> {
  const pool = new Pool({ connectionString: url, max: 20 });
  await pool.query(RAW_TABLE_SQL);
  const write = {
    insert: async (stream: string, firstVersion: number, events: NewEvent[]) => {
      // Autocommit: each INSERT is a transaction of one row, as a single event is.
      for (const [i, e] of events.entries()) {
        await pool.query('INSERT INTO raw_events (event_id, stream_id, version, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)', [
          e.eventId,
          stream,
          firstVersion + i,
          e.type,
          JSON.stringify(e.data),
          JSON.stringify(e.metadata),
        ]);
      }
    },
    'batched insert': async (stream: string, firstVersion: number, events: NewEvent[]) => {
      await pool.query(
        `INSERT INTO raw_events (event_id, stream_id, version, type, data, metadata)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::jsonb[], $6::jsonb[])`,
        [
          events.map((e) => e.eventId),
          events.map(() => stream),
          events.map((_, i) => firstVersion + i),
          events.map((e) => e.type),
          events.map((e) => JSON.stringify(e.data)),
          events.map((e) => JSON.stringify(e.metadata)),
        ],
      );
    },
    copy: (stream: string, firstVersion: number, events: NewEvent[]) => {
      const text = new CopyTextBuffer(events.length * RAW_LINE_BYTES);
      for (const [i, e] of events.entries()) rawCopyLine(text, e.eventId, stream, firstVersion + i, e.type, e.data, e.metadata);
      return copyRawText(pool, text.result());
    },
  }[how];
  return { write, close: () => pool.end() };
}

/** About what a line of `raw_events`' COPY text takes: the buffer's first size. */
export const RAW_LINE_BYTES = 512;

/**
 * An event as a line of COPY's text format for `raw_events`, written into `text` as the store writes its own rows
 * (`CopyTextBuffer`), so that the baseline is not slower than the store at making its text.
 */
export function rawCopyLine(
  text: CopyTextBuffer,
  eventId: string,
  streamId: string,
  version: number,
  type: string,
  data: unknown,
  metadata: unknown,
): void {
  text
    .ascii(`${eventId}\t`)
    .text(streamId)
    .ascii(`\t${version}\t`)
    .text(type)
    .byte(TAB)
    .text(copyJson(JSON.stringify(data)))
    .byte(TAB)
    .text(copyJson(JSON.stringify(metadata)))
    .byte(NEWLINE);
}

/** One COPY of `text` (lines of `rawCopyLine`) on a connection of `pool`. */
export async function copyRawText(pool: Pool, text: Buffer): Promise<void> {
  const client = await pool.connect();
  try {
    await pipeline(
      Readable.from([text]),
      client.query(copyFrom('COPY raw_events (event_id, stream_id, version, type, data, metadata) FROM STDIN')),
    );
  } finally {
    client.release();
  }
}
