import { Migration } from '@rapport/postgres';

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
];
