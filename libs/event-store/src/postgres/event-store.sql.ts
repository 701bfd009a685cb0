const COLUMNS = 'global_position, event_id, stream_id, version, type, data, metadata, schema_version, recorded_at';

/** Takes the global write lock: the head row stays locked until the appending transaction ends. */
export const lockLogHeadSQL = 'SELECT position, transaction_timestamp() AS now FROM rapport_log_head FOR UPDATE';

export const selectEventsByIdSQL = `SELECT ${COLUMNS} FROM rapport_events WHERE event_id = ANY($1::uuid[])`;

// One index probe per stream (backwards on the (stream_id, version) key), whatever the streams' lengths.
export const selectStreamVersionsSQL = `
  SELECT s.stream_id,
         (SELECT e.version FROM rapport_events e WHERE e.stream_id = s.stream_id ORDER BY e.version DESC LIMIT 1) AS version
  FROM unnest($1::text[]) AS s(stream_id)`;

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
