import { escapeLiteral } from 'pg';

const COLUMNS = 'global_position, event_id, stream_id, version, type, data, metadata, schema_version, recorded_at';

/**
 * The append transaction is sent as two simple queries (several statements each, one round trip each) instead of
 * five parameterised ones: the write lock is held for fewer network waits. Simple queries take no parameters, so
 * values are literals: ids and numbers are checked before (`assertValidAppend`), text goes through pg's
 * `escapeLiteral`, the library's escaping for exactly this.
 */
export function beginAppendSQL(eventIds: readonly string[], streamIds: readonly string[]): string {
  return `BEGIN;
    SELECT position, transaction_timestamp() AS now FROM rapport_log_head FOR UPDATE;
    SELECT ${COLUMNS} FROM rapport_events WHERE event_id = ANY(ARRAY[${eventIds.map((id) => `'${id}'`).join(',')}]::uuid[])
    UNION ALL
    SELECT NULL, NULL, s.stream_id,
           (SELECT e.version FROM rapport_events e WHERE e.stream_id = s.stream_id ORDER BY e.version DESC LIMIT 1),
           NULL, NULL, NULL, NULL, NULL
    FROM unnest(ARRAY[${streamIds.map(escapeLiteral).join(',')}]::text[]) AS s(stream_id)`;
}

export interface EventRowValues {
  globalPosition: number;
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  data: unknown;
  metadata: unknown;
  schemaVersion: number;
}

/** Small writes: the rows, the new head (with the wake-up of subscribers) and the commit, in one round trip. */
export function insertAndCommitSQL(events: readonly EventRowValues[], head: number): string {
  const rows = events.map(
    (e) =>
      `(${e.globalPosition}, '${e.eventId}', ${escapeLiteral(e.streamId)}, ${e.version}, ${escapeLiteral(e.type)}, ` +
      `${escapeLiteral(JSON.stringify(e.data))}::jsonb, ${escapeLiteral(JSON.stringify(e.metadata))}::jsonb, ` +
      `${e.schemaVersion}, transaction_timestamp())`,
  );
  return `INSERT INTO rapport_events (${COLUMNS}) VALUES ${rows.join(',\n')};\n${advanceHeadAndCommitSQL(head)}`;
}

/** After a COPY, or alone: the new head, the wake-up of subscribers (delivered at commit), the commit. */
export function advanceHeadAndCommitSQL(head: number): string {
  return `UPDATE rapport_log_head SET position = ${head} RETURNING pg_notify('${NOTIFY_CHANNEL}', '${head}');\nCOMMIT`;
}

/** Bulk path for large writes: COPY in text format, columns in this order. */
export const copyEventsSQL = `COPY rapport_events (${COLUMNS}) FROM STDIN`;

export const NOTIFY_CHANNEL = 'rapport_events';

export const selectEventsByIdSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE event_id = ANY($1::uuid[])`;

export const readStreamSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`;

/** Several whole streams at once, each in version order. */
export const readStreamsSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE stream_id = ANY($1::text[]) ORDER BY stream_id, version`;

export const readAllSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE global_position > $1 ORDER BY global_position LIMIT $2`;

export const headPositionSQL = 'SELECT position FROM rapport_log_head';

export interface EventRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  schema_version: number;
  recorded_at: Date;
}
