import { Pool } from 'pg';
import { READ_MODEL_TABLES, schemaName } from '@rapport/read-models';

/** Every row of a read model schema, in a stable order, for comparing two read models to the digit. */
export async function dumpReadModel(pool: Pool, schema: string): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const table of READ_MODEL_TABLES) {
    const { rows } = await pool.query(`SELECT to_jsonb(t) AS row FROM ${schemaName(schema)}.${table} t ORDER BY to_jsonb(t)::text`);
    dump[table] = rows.map((r) => r.row);
  }
  return dump;
}
