/**
 * The read models live in one PostgreSQL schema at a time; `rapport_read_model_active` (in public) names it.
 * A rebuild fills a new schema and swaps the name in one transaction, so queries never see a half-built model.
 * Changing these tables means a new READ_MODEL_VERSION: read models are upgraded by a rebuild, not by migrations.
 */
export const READ_MODEL_VERSION = 1;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** A schema name checked to be a plain identifier, safe to splice into SQL. */
export function schemaName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid read model schema name: ${name}`);
  return name;
}

export const activeSchemaTableSQL = `
  CREATE TABLE IF NOT EXISTS rapport_read_model_active (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    schema_name text    NOT NULL,
    version     integer NOT NULL,
    swapped_at  timestamptz NOT NULL DEFAULT now()
  )`;

export function createReadModelSQL(schema: string): string {
  const s = schemaName(schema);
  return `
    CREATE SCHEMA ${s};
    CREATE TABLE ${s}.rm_checkpoint (
      singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      position       bigint  NOT NULL,
      evaluation_day date
    );
    INSERT INTO ${s}.rm_checkpoint (singleton, position) VALUES (true, 0);
    CREATE TABLE ${s}.rm_accounts (
      account_id      text PRIMARY KEY,
      opened          boolean NOT NULL,
      name            text,
      segment         text,
      owner_id        text,
      key_account     boolean NOT NULL,
      arr             jsonb NOT NULL,
      products        text[] NOT NULL,
      health_score    double precision,
      health_band     text,
      health_coverage double precision NOT NULL,
      health          jsonb NOT NULL,
      churn_score     double precision NOT NULL,
      churn           jsonb NOT NULL,
      arr_at_risk     jsonb NOT NULL,
      signals         jsonb NOT NULL,
      open_renewals   jsonb NOT NULL,
      evaluated_at    timestamptz NOT NULL,
      last_position   bigint NOT NULL
    );
    CREATE INDEX ON ${s}.rm_accounts (health_score NULLS LAST, account_id);
    CREATE INDEX ON ${s}.rm_accounts (churn_score DESC, account_id);
    CREATE TABLE ${s}.rm_arr_segments (
      account_id text, contract_id text, currency text, valid_from date, valid_to date, arr numeric(16, 2) NOT NULL,
      PRIMARY KEY (account_id, contract_id, valid_from)
    );
    CREATE TABLE ${s}.rm_contract_terms (
      account_id text, contract_id text, currency text NOT NULL, arr numeric(16, 2) NOT NULL, end_date date NOT NULL, renewal_due date,
      PRIMARY KEY (account_id, contract_id)
    );
    CREATE TABLE ${s}.rm_renewal_outcomes (
      account_id text, renewal_id text, outcome text NOT NULL, occurred_at timestamptz NOT NULL,
      PRIMARY KEY (account_id, renewal_id)
    );
    CREATE TABLE ${s}.rm_nps_responses (
      account_id text, seq integer, occurred_at timestamptz NOT NULL, score smallint NOT NULL,
      PRIMARY KEY (account_id, seq)
    );
    CREATE TABLE ${s}.rm_realised_expansion (
      account_id text, seq integer, contract_id text NOT NULL, currency text NOT NULL, effective_date date NOT NULL, amount numeric(16, 2) NOT NULL,
      PRIMARY KEY (account_id, seq)
    );
    CREATE TABLE ${s}.rm_products (product text PRIMARY KEY);`;
}

/** Tables of a read model schema, in the order a full comparison or copy walks them. */
export const READ_MODEL_TABLES = [
  'rm_checkpoint',
  'rm_accounts',
  'rm_arr_segments',
  'rm_contract_terms',
  'rm_renewal_outcomes',
  'rm_nps_responses',
  'rm_realised_expansion',
  'rm_products',
] as const;
