import { sqlLiteral } from '@rapport/postgres';
import { StreamTail } from '../event-store.port';
import { GENESIS_HASH } from '../hash-chain';
import { CLOCK_TOLERANCE_MS, HeadRow } from './log-knowledge';

const COLUMNS = 'global_position, event_id, stream_id, version, type, data, metadata, schema_version, recorded_at, hash';
/** What reads select: the event without its hash, which only the chain's readers need. */
const SELECTED = 'global_position, event_id, stream_id, version, type, data, metadata, schema_version, recorded_at';

/**
 * The append transaction is sent as two simple queries (several statements each, one round trip each) instead of
 * five parameterised ones: the write lock is held for fewer network waits. Simple queries take no parameters, so
 * values are literals: ids and numbers are checked before (`assertValidAppend`), text goes through `sqlLiteral`, which
 * writes what pg's `escapeLiteral` writes, at a small part of its cost.
 */
export function beginAppendSQL(eventIds: readonly string[], streamIds: readonly string[]): string {
  return `BEGIN;
    SELECT position, encode(hash, 'hex') AS hash FROM rapport_log_head FOR UPDATE;
    SELECT greatest(clock_timestamp(), (SELECT recorded_at FROM rapport_log_head)) AS now, clock_timestamp() AS clock;
    ${storedAndVersionsSQL(eventIds, streamIds)}`;
}

/**
 * Opens an append's transaction on the head its writer knows (LogKnowledge) instead of reading it: takes the write
 * lock, and fails the transaction with division_by_zero (KNOWN_HEAD_REFUSED) unless the head is still `head` and
 * `recordedAt` lies within CLOCK_TOLERANCE_MS of the server's clock. The divisor is computed from the row: a constant
 * `1/0` would be folded, and raised, when the statement is planned.
 */
export function lockKnownHeadSQL(head: HeadRow, recordedAt: Date): string {
  const at = timestamp(recordedAt);
  const nearServerClock = `${at} BETWEEN clock_timestamp() - ${TOLERANCE} AND clock_timestamp() + ${TOLERANCE}`;
  return `BEGIN;\n${lockCheckingSQL(`${headIs(head)} AND ${nearServerClock}`)}`;
}

/**
 * Opens the transaction of a group written ahead (PostgresEventStore's writeAhead), without the lock, which the
 * groups before it hold: the server's clock, then the last version of each of `streamIds`.
 */
export function beginAheadSQL(streamIds: readonly string[]): string {
  return `BEGIN;
    SELECT clock_timestamp() AS now;
    ${lastVersionsSQL(arrayLiteral(streamIds))}`;
}

/**
 * Takes the write lock for a group written ahead, and fails the transaction with KNOWN_HEAD_REFUSED unless the head is
 * `head`, the one the group before it was to leave. Its time was taken when it began, from the server's clock or this
 * writer's estimate of it: only a time ahead of the server's is refused. One behind it is when the group began, as
 * with a group that reads under the lock, which may wait for it as long.
 */
export function lockHeadLeftSQL(head: HeadRow, recordedAt: Date): string {
  return lockCheckingSQL(`${headIs(head)} AND ${timestamp(recordedAt)} <= clock_timestamp() + ${TOLERANCE}`);
}

/** The lock, with a check of the head row that fails the transaction unless `condition` holds. */
function lockCheckingSQL(condition: string): string {
  return `SELECT 1 / (${condition})::int FROM rapport_log_head FOR UPDATE;\n`;
}

const headIs = (head: HeadRow) => `position = ${head.position} AND hash IS NOT DISTINCT FROM ${hashLiteral(head.hash)}`;
const timestamp = (at: Date) => `'${at.toISOString()}'::timestamptz`;
const TOLERANCE = `interval '${CLOCK_TOLERANCE_MS} milliseconds'`;

/** SQLSTATE of lockKnownHeadSQL's refusal (division_by_zero). */
export const KNOWN_HEAD_REFUSED = '22012';

/**
 * The stored events among `eventIds`, then a row (event_id NULL) with each stream's last version. One index probe
 * an id, as in readForAppendQuery: under the write lock above all, a plan that scans the log would stall every writer.
 */
export function storedAndVersionsSQL(eventIds: readonly string[], streamIds: readonly string[]): string {
  return `${storedEventsSQL(arrayLiteral(eventIds))}
    UNION ALL
    ${lastVersionsSQL(arrayLiteral(streamIds))}`;
}

/**
 * An array of texts as one string literal in PostgreSQL's array syntax, `'{"a","b"}'`, to cast to `text[]` or
 * `uuid[]`: each element double-quoted with its `"` and `\` escaped, the whole through `sqlLiteral`. `ARRAY['a',
 * 'b']` is one constant an element for the server to parse and plan: a batch of 1,000 ids and streams took ~1.1 ms
 * to plan that way (`EXPLAIN ANALYZE`, warm), 0.2 ms this way, and ~0.5 ms less to execute.
 */
export function arrayLiteral(values: readonly string[]): string {
  return sqlLiteral(`{${values.map((value) => `"${value.replace(/["\\]/g, '\\$&')}"`).join(',')}}`);
}

/** The stored events among the ids of `ids` (an SQL expression of uuids), one index probe an id; `lead`: columns before. */
function storedEventsSQL(ids: string, lead = ''): string {
  return `SELECT ${lead}${SELECTED_FROM_E}
    FROM unnest(${ids}::uuid[]) AS i(event_id)
    CROSS JOIN LATERAL (SELECT ${SELECTED} FROM rapport_events WHERE event_id = i.event_id OFFSET 0) e`;
}

/** A row per stream of `streamIds` (an SQL expression of texts): no event, the stream, its last version (NULL: none). */
function lastVersionsSQL(streamIds: string, lead = ''): string {
  return `SELECT ${lead}NULL, NULL, s.stream_id,
           (SELECT e.version FROM rapport_events e WHERE e.stream_id = s.stream_id ORDER BY e.version DESC LIMIT 1),
           NULL, NULL, NULL, NULL, NULL
    FROM unnest(${streamIds}::text[]) AS s(stream_id)`;
}

export interface EventRowValues {
  globalPosition: number;
  eventId: string;
  streamId: string;
  version: number;
  type: string;
  /** JSON text. */
  data: string;
  /** JSON text. */
  metadata: string;
  schemaVersion: number;
  /** Hex; null when the store keeps no chain (bench/append's baseline). */
  hash: string | null;
}

/** Small writes: the rows, the new head (with the wake-up of subscribers) and the commit, in one round trip. */
export function insertAndCommitSQL(events: readonly EventRowValues[], head: LogHead): string {
  return `${insertSQL(events, head.recordedAt)};\n${advanceHeadAndCommitSQL(head)}`;
}

/** The rows as one INSERT, each with the transaction time `recordedAt`. */
export function insertSQL(events: readonly EventRowValues[], recordedAt: Date): string {
  const at = `'${recordedAt.toISOString()}'`;
  const rows = events.map(
    (e) =>
      `(${e.globalPosition}, '${e.eventId}', ${sqlLiteral(e.streamId)}, ${e.version}, ${sqlLiteral(e.type)}, ` +
      `${sqlLiteral(e.data)}::jsonb, ${sqlLiteral(e.metadata)}::jsonb, ` +
      `${e.schemaVersion}, ${at}, ${hashLiteral(e.hash)})`,
  );
  return `INSERT INTO rapport_events (${COLUMNS}) VALUES ${rows.join(',\n')}`;
}

/** The log's last position, its hash (hex) and its transaction time, as the head row keeps them. */
export interface LogHead {
  position: number;
  hash: string | null;
  recordedAt: Date;
}

/** After a COPY, or alone: the new head, the wake-up of subscribers (delivered at commit), the commit. */
export function advanceHeadAndCommitSQL(head: LogHead): string {
  return (
    `UPDATE rapport_log_head SET position = ${head.position}, hash = ${hashLiteral(head.hash)}, ` +
    `recorded_at = '${head.recordedAt.toISOString()}' ` +
    `RETURNING pg_notify('${NOTIFY_CHANNEL}', '${head.position}');\nCOMMIT`
  );
}

function hashLiteral(hash: string | null): string {
  return hash === null ? 'NULL' : `'\\x${hash}'`;
}

/** Bulk path for large writes: COPY in text format, columns in this order. */
export const copyEventsSQL = `COPY rapport_events (${COLUMNS}) FROM STDIN`;

export const NOTIFY_CHANNEL = 'rapport_events';

export const selectEventsByIdSQL = `SELECT ${SELECTED} FROM rapport_events WHERE event_id = ANY($1::uuid[])`;

const SELECTED_FROM_E = SELECTED.split(', ')
  .map((column) => `e.${column}`)
  .join(', ');

/**
 * One round trip before an append: the stored events among `eventIds` (part 0); each stream's events after the
 * version held, of its types only where it names some (part 1, one branch per filter, each a parameter, so that the
 * type is an index condition); each stream's last version (part 2).
 *
 * Every part looks each id up in an index, one probe per id (a LATERAL subquery, kept from being flattened into a
 * join by OFFSET 0). Written as joins, the planner chose between probes and one scan of the whole log by its
 * statistics, and a new deployment's log outgrows them between two autovacuum runs (a minute apart by default): in
 * bench/pipeline's first seconds it hashed the batch's streams against a scan of the log, 3–25 ms a command instead
 * of well under one, and the largest consumer of PostgreSQL's time in the run.
 */
export function readForAppendQuery(eventIds: readonly string[], streams: readonly StreamTail[]): { text: string; values: unknown[] } {
  const values: unknown[] = [eventIds];
  const param = (value: unknown): string => `$${values.push(value)}`;
  // By the filter's array itself: a writer passes the same one for all its streams (equal copies only cost a branch).
  const byFilter = new Map<readonly string[] | undefined, StreamTail[]>();
  for (const stream of streams) {
    const tails = byFilter.get(stream.types);
    if (tails) tails.push(stream);
    else byFilter.set(stream.types, [stream]);
  }
  const branches = [storedEventsSQL('$1', '0 AS part, ')];
  for (const tails of byFilter.values()) {
    const { types } = tails[0];
    const ids = param(tails.map((t) => t.streamId));
    const afterVersions = param(tails.map((t) => t.afterVersion));
    const ofTypes = types ? ` AND type = ANY(${param(types)}::text[])` : '';
    branches.push(
      `SELECT 1 AS part, ${SELECTED_FROM_E}
       FROM unnest(${ids}::text[], ${afterVersions}::int[]) AS t(stream_id, after_version)
       CROSS JOIN LATERAL (
         SELECT ${SELECTED} FROM rapport_events WHERE stream_id = t.stream_id AND version > t.after_version${ofTypes} OFFSET 0
       ) e`,
    );
  }
  branches.push(lastVersionsSQL(param(streams.map((t) => t.streamId)), '2 AS part, '));
  return { text: `${branches.join('\nUNION ALL\n')}\nORDER BY part, stream_id, version`, values };
}

export const readStreamSQL = `SELECT ${SELECTED} FROM rapport_events WHERE stream_id = $1 AND version >= $2 ORDER BY version LIMIT $3`;

/** Several whole streams at once, each in version order; only types $2 (when not null), up to position $3 (when not null). */
export const readStreamsSQL = `
  SELECT ${SELECTED} FROM rapport_events
  WHERE stream_id = ANY($1::text[]) AND ($2::text[] IS NULL OR type = ANY($2)) AND ($3::bigint IS NULL OR global_position <= $3)
  ORDER BY stream_id, version`;

export const readAllSQL = `SELECT ${SELECTED} FROM rapport_events WHERE global_position > $1 ORDER BY global_position LIMIT $2`;

/** readAll with a filter: types $3 (when not null), up to position $4 (when not null). */
export const readAllFilteredSQL = `
  SELECT ${SELECTED} FROM rapport_events
  WHERE global_position > $1 AND ($3::text[] IS NULL OR type = ANY($3)) AND ($4::bigint IS NULL OR global_position <= $4)
  ORDER BY global_position LIMIT $2`;

/** readAllFilteredSQL's compact form: data and the text of one metadata field ($5). */
export const readAllCompactSQL = `
  SELECT global_position, event_id, stream_id, type, data, metadata->>$5 AS field FROM rapport_events
  WHERE global_position > $1 AND type = ANY($3) AND global_position <= $4
  ORDER BY global_position LIMIT $2`;

export interface CompactRow {
  global_position: string;
  event_id: string;
  stream_id: string;
  type: string;
  data: unknown;
  field: string | null;
}

export const headPositionSQL = 'SELECT position FROM rapport_log_head';

export const recordedHeadSQL = "SELECT position, encode(hash, 'hex') AS hash, recorded_at FROM rapport_log_head";

/**
 * The events in (after, until] in global order, only `stream_id`'s when given, each with the previous event's hash.
 * The previous event is found by position: positions are gapless.
 */
export const readChainSQL = `
  SELECT ${SELECTED}, encode(e.hash, 'hex') AS hash,
         coalesce((SELECT encode(p.hash, 'hex') FROM rapport_events p WHERE p.global_position = e.global_position - 1),
                  CASE WHEN e.global_position = 1 THEN '${GENESIS_HASH}' END) AS prev_hash
  FROM rapport_events e
  WHERE e.global_position > $1 AND e.global_position <= $2 AND ($3::text IS NULL OR e.stream_id = $3)
  ORDER BY e.global_position LIMIT $4`;

/**
 * The last position recorded at or before $1 (0 for none), by bisection over positions: transaction times rise with
 * positions (each append takes the later of the clock and the head's time under the write lock), so about twenty
 * primary-key probes find it, with no index on recorded_at for every append to maintain.
 */
export const positionAtSQL = `
  WITH RECURSIVE probe(lo, hi) AS (
    SELECT 0::bigint, (SELECT position FROM rapport_log_head) + 1
    UNION ALL
    SELECT CASE WHEN e.recorded_at <= $1 THEN m ELSE lo END, CASE WHEN e.recorded_at <= $1 THEN hi ELSE m END
    FROM probe,
         LATERAL (SELECT (lo + hi) / 2 AS m) mid,
         LATERAL (SELECT recorded_at FROM rapport_events WHERE global_position >= m ORDER BY global_position LIMIT 1) e
    WHERE hi - lo > 1
  )
  SELECT coalesce(max(lo), 0) AS position FROM probe WHERE hi - lo <= 1`;

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
