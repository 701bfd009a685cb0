import { ClientBase, Pool } from 'pg';
import { inTransaction } from '@rapport/postgres';
import { activeSchemaTableSQL, createReadModelSQL, READ_MODEL_VERSION, schemaName } from './read-model.sql';

export interface ActiveReadModel {
  schema: string;
  version: number;
}

/** The schema the read models are served from, creating and activating a first, empty one on a new database. */
export async function ensureActiveReadModel(pool: Pool): Promise<ActiveReadModel> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', ['rapport_read_model_active']);
    await client.query(activeSchemaTableSQL);
    const active = await readActiveReadModel(client);
    if (active) return active;
    const schema = newSchemaName();
    await inTransaction(client, async () => {
      await client.query(createReadModelSQL(schema));
      await client.query('INSERT INTO rapport_read_model_active (schema_name, version) VALUES ($1, $2)', [schema, READ_MODEL_VERSION]);
    });
    return { schema, version: READ_MODEL_VERSION };
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', ['rapport_read_model_active']).catch(() => undefined);
    client.release();
  }
}

/** The active schema; `lock` takes the pointer row FOR SHARE (projector batches) or FOR UPDATE (a swap). */
export async function readActiveReadModel(client: Pool | ClientBase, lock?: 'share' | 'update'): Promise<ActiveReadModel | undefined> {
  const { rows } = await client.query<ActiveReadModelRow>(readActiveReadModelSQL(lock));
  return activeReadModelOf(rows);
}

export interface ActiveReadModelRow {
  schema_name: string;
  version: number;
}

export function readActiveReadModelSQL(lock?: 'share' | 'update'): string {
  const locking = lock === 'share' ? 'FOR SHARE' : lock === 'update' ? 'FOR UPDATE' : '';
  return `SELECT schema_name, version FROM rapport_read_model_active ${locking}`;
}

export function activeReadModelOf(rows: readonly ActiveReadModelRow[]): ActiveReadModel | undefined {
  return rows[0] ? { schema: schemaName(rows[0].schema_name), version: rows[0].version } : undefined;
}

/** A fresh, empty read model schema (checkpoint 0), not active yet. */
export async function createReadModelSchema(pool: Pool): Promise<string> {
  const schema = newSchemaName();
  await pool.query(createReadModelSQL(schema));
  return schema;
}

export async function dropReadModelSchema(pool: Pool, schema: string): Promise<void> {
  await pool.query(`DROP SCHEMA IF EXISTS ${schemaName(schema)} CASCADE`);
}

function newSchemaName(): string {
  return `rapport_rm_v${READ_MODEL_VERSION}_${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
}
