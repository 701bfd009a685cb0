import { PoolClient } from 'pg';
import { Migration } from '@rapport/postgres';
import { chainHash, GENESIS_HASH } from '../hash-chain';
import { EventRow } from './event-store.sql';

export const EVENT_STORE_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'events and log head',
    sql: `
      CREATE TABLE rapport_events (
        global_position bigint      PRIMARY KEY,
        event_id        uuid        NOT NULL,
        stream_id       text        NOT NULL,
        version         integer     NOT NULL,
        type            text        NOT NULL,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        schema_version  smallint    NOT NULL,
        recorded_at     timestamptz NOT NULL,
        CONSTRAINT rapport_events_event_id_key UNIQUE (event_id),
        CONSTRAINT rapport_events_stream_version_key UNIQUE (stream_id, version)
      );

      -- One row holding the last global position. Every append locks it first: see postgres-event-store.ts.
      CREATE TABLE rapport_log_head (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        position  bigint  NOT NULL
      );
      INSERT INTO rapport_log_head (singleton, position) VALUES (true, 0);

      -- The log is the audit trail: facts are corrected by new events, never edited in place.
      CREATE FUNCTION rapport_events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'rapport_events is append-only: % is not allowed', TG_OP;
      END $$;
      CREATE TRIGGER rapport_events_append_only BEFORE UPDATE OR DELETE ON rapport_events
        FOR EACH STATEMENT EXECUTE FUNCTION rapport_events_are_immutable();
    `,
  },
  {
    version: 2,
    name: 'hash chain and monotonic transaction time',
    sql: `
      ALTER TABLE rapport_events ADD COLUMN hash bytea;
      ALTER TABLE rapport_log_head ADD COLUMN hash bytea, ADD COLUMN recorded_at timestamptz;
      UPDATE rapport_log_head SET recorded_at = (SELECT max(recorded_at) FROM rapport_events);
    `,
    run: chainStoredEvents,
  },
  {
    version: 3,
    name: "a stream's events but its bulk",
    // A writer deciding on the rarer facts of a long stream (ingest: its rules never read interactions or usage) reads
    // those rows alone instead of visiting every row of the stream. Partial, so that the appends of the bulk types,
    // most of every log, pay nothing for it: the planner uses it for a read whose types leave both out. Built under a
    // lock that holds appends back (0.1 s on 400,000 events).
    sql: `CREATE INDEX rapport_events_stream_not_bulk ON rapport_events (stream_id, version)
            WHERE type NOT IN ('InteractionLogged', 'UsageReported');`,
  },
];

/** Hashes the events stored before the chain existed, in global order, and records the head's hash. */
async function chainStoredEvents(client: PoolClient): Promise<void> {
  await client.query('SELECT position FROM rapport_log_head FOR UPDATE');
  // The log refuses UPDATE; this migration is the one writer allowed to add what the rows lacked.
  await client.query('ALTER TABLE rapport_events DISABLE TRIGGER rapport_events_append_only');
  let prevHash = GENESIS_HASH;
  let after = 0;
  for (;;) {
    const { rows } = await client.query<EventRow>(
      'SELECT * FROM rapport_events WHERE global_position > $1 ORDER BY global_position LIMIT 5000',
      [after],
    );
    if (rows.length === 0) break;
    const positions: string[] = [];
    const hashes: string[] = [];
    for (const row of rows) {
      prevHash = chainHash(
        {
          globalPosition: Number(row.global_position),
          eventId: row.event_id,
          streamId: row.stream_id,
          version: row.version,
          type: row.type,
          schemaVersion: row.schema_version,
          data: row.data,
          metadata: row.metadata,
          recordedAt: row.recorded_at,
        },
        prevHash,
      );
      positions.push(row.global_position);
      hashes.push(prevHash);
    }
    await client.query(
      `UPDATE rapport_events e SET hash = decode(h.hash, 'hex')
       FROM unnest($1::bigint[], $2::text[]) AS h(position, hash) WHERE e.global_position = h.position`,
      [positions, hashes],
    );
    after = Number(rows[rows.length - 1].global_position);
  }
  await client.query('ALTER TABLE rapport_events ENABLE TRIGGER rapport_events_append_only');
  await client.query("UPDATE rapport_log_head SET hash = decode($1, 'hex')", [prevHash]);
}
