import { ACCOUNT_TABLES, AnyTableDefinition } from './read-model-tables';

/**
 * The read models live in one PostgreSQL schema at a time; `rapport_read_model_active` (in public) names it.
 * A rebuild fills a new schema and swaps the name in one transaction, so queries never see a half-built model.
 * Changing these tables means a new READ_MODEL_VERSION: read models are upgraded by a rebuild, not by migrations.
 */
export const READ_MODEL_VERSION = 3;

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
  return [
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.rm_checkpoint (
      singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      position       bigint  NOT NULL,
      evaluation_day date
    )`,
    `INSERT INTO ${s}.rm_checkpoint (singleton, position) VALUES (true, 0)`,
    ...ACCOUNT_TABLES.flatMap((table) => createTableSQL(s, table)),
  ].join(';\n');
}

function createTableSQL(schema: string, table: AnyTableDefinition): string[] {
  const columns = Object.entries(table.columns).map(([name, c]) => `${name} ${c.sqlType}${c.notNull ? ' NOT NULL' : ''}`);
  return [
    `CREATE TABLE ${schema}.${table.name} (${[...columns, `PRIMARY KEY (${table.primaryKey.join(', ')})`].join(', ')})`,
    ...(table.indexes ?? []).map((index) => `CREATE INDEX ON ${schema}.${table.name} (${index})`),
  ];
}

/** Tables of a read model schema, in the order a full comparison or copy walks them. */
export const READ_MODEL_TABLES = ['rm_checkpoint', ...ACCOUNT_TABLES.map((t) => t.name)];
