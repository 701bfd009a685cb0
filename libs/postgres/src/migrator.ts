import { Pool, PoolClient } from 'pg';
import { inTransaction } from './transaction';

export interface Migration {
  /** Increasing from 1; a released migration is never edited, a change is a new migration. */
  version: number;
  name: string;
  sql: string;
  /** Work SQL cannot do (rewriting rows with values computed in code), run after `sql` in the same transaction. */
  run?: (client: PoolClient) => Promise<void>;
}

/**
 * Applies the migrations of one component (`component` names its history table) that the database does not have yet,
 * each in its own transaction. An advisory lock makes concurrent starts of several processes apply each migration once.
 */
export async function migrate(pool: Pool, component: string, migrations: readonly Migration[]): Promise<number[]> {
  const table = `${component}_schema_migrations`;
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [table]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${table} (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table}`);
    const applied = new Set(rows.map((r) => r.version));
    const newlyApplied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(migration.version)) continue;
      try {
        await inTransaction(client, async () => {
          await client.query(migration.sql);
          await migration.run?.(client);
          await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
        });
      } catch (error) {
        throw new Error(`migration ${component} ${migration.version} (${migration.name}) failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      newlyApplied.push(migration.version);
    }
    return newlyApplied;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [table]).catch(() => undefined);
    client.release();
  }
}
