const COLUMNS = 'global_position, event_id, stream_id, version, type, data, metadata, schema_version, recorded_at';

/**
 * Opens the append transaction and takes the global write lock: the head row stays locked until it ends.
 * Sent as one simple query (two statements, one round trip).
 */
export const beginAndLockLogHeadSQL = 'BEGIN; SELECT position, transaction_timestamp() AS now FROM rapport_log_head FOR UPDATE';

export const selectEventsByIdSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE event_id = ANY($1::uuid[])`;

/**
 * What an append must know, in one round trip: the stored events among its ids (duplicates), and each stream's
 * current version, by one backwards index probe per stream whatever its length. Stream rows have a null event_id.
 */
export const selectAppendContextSQL = `
  SELECT ${COLUMNS} FROM rapport_events WHERE event_id = ANY($1::uuid[])
  UNION ALL
  SELECT NULL, NULL, s.stream_id,
         (SELECT e.version FROM rapport_events e WHERE e.stream_id = s.stream_id ORDER BY e.version DESC LIMIT 1),
         NULL, NULL, NULL, NULL, NULL
  FROM unnest($2::text[]) AS s(stream_id)`;

/** Bulk path for large appends: COPY in text format, columns in this order. */
export const copyEventsSQL = `COPY rapport_events (${COLUMNS}) FROM STDIN`;

export const advanceLogHeadSQL = `UPDATE rapport_log_head SET position = $1::bigint RETURNING pg_notify('rapport_events', $1::bigint::text)`;

export const insertEventsSQL = `
  WITH inserted AS (
    INSERT INTO rapport_events (${COLUMNS})
    SELECT g, e, s, v, t, d, m, sv, transaction_timestamp()
    FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::jsonb[], $7::jsonb[], $8::smallint[])
      AS u(g, e, s, v, t, d, m, sv)
    RETURNING 1
  )
  UPDATE rapport_log_head SET position = $9::bigint
  RETURNING (SELECT count(*) FROM inserted) AS inserted, pg_notify('rapport_events', $9::bigint::text)`;

export const NOTIFY_CHANNEL = 'rapport_events';

export const readStreamSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`;

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
