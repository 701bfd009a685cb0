import { ClientBase, PoolClient } from 'pg';
import { AccountProjection } from './account-projection';
import { schemaName } from './read-model.sql';
import { ACCOUNT_TABLES, AnyTableDefinition } from './read-model-tables';

/**
 * Replaces every row of the given accounts in a read model schema, inside the caller's transaction: the rows are
 * a function of each account's events, so replacing them whole makes a replay idempotent and a retraction exact.
 * One statement per table, each fed one JSON document: a round trip per table whatever the number of accounts.
 */
export async function writeAccountProjections(
  client: PoolClient,
  schema: string,
  projections: readonly AccountProjection[],
): Promise<void> {
  if (projections.length === 0) return;
  const s = schemaName(schema);
  const ids = projections.map((p) => p.accountId);
  for (const table of ACCOUNT_TABLES) {
    if (table.write === 'replace') await client.query(`DELETE FROM ${s}.${table.name} WHERE account_id = ANY($1::text[])`, [ids]);
    const columns = Object.entries(table.columns);
    const records = projections
      .flatMap((p) => table.rows(p))
      .map((row) => Object.fromEntries(columns.map(([name, c]) => [name, c.value(row)])));
    if (records.length === 0) continue;
    await client.query(writeSQL(s, table), [JSON.stringify(records)]);
  }
}

function writeSQL(schema: string, table: AnyTableDefinition): string {
  const names = Object.keys(table.columns);
  const recordType = Object.entries(table.columns).map(([name, c]) => `${name} ${c.sqlType}`);
  const distinct = table.write === 'add-missing' ? 'DISTINCT ' : '';
  const select = `SELECT ${distinct}${names.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${recordType.join(', ')})`;
  const keys = table.primaryKey.join(', ');
  const onConflict =
    table.write === 'upsert'
      ? `ON CONFLICT (${keys}) DO UPDATE SET ${names
          .filter((n) => !table.primaryKey.includes(n))
          .map((n) => `${n} = excluded.${n}`)
          .join(', ')}`
      : table.write === 'add-missing'
        ? `ON CONFLICT (${keys}) DO NOTHING`
        : '';
  return `INSERT INTO ${schema}.${table.name} AS t (${names.join(', ')}) ${select} ${onConflict}`;
}

export async function readCheckpoint(
  client: ClientBase,
  schema: string,
  forUpdate = false,
): Promise<{ position: number; evaluationDay: string | null }> {
  const { rows } = await client.query<{ position: string; evaluation_day: string | null }>(
    `SELECT position, to_char(evaluation_day, 'YYYY-MM-DD') AS evaluation_day
     FROM ${schemaName(schema)}.rm_checkpoint ${forUpdate ? 'FOR UPDATE' : ''}`,
  );
  return { position: Number(rows[0].position), evaluationDay: rows[0].evaluation_day };
}

/** Notified at each commit that changes the active read model's content: its new version (`readModelVersion`). */
export const READ_MODEL_CHANNEL = 'rapport_read_model';

/** What identifies the content of a read model: its schema, position and evaluation day (each change moves one). */
export function readModelVersion(schema: string, position: number, evaluationDay: string | null): string {
  return `${schema}:${position}:${evaluationDay ?? ''}`;
}

/** Moves the checkpoint; readers' caches hear of it at commit (READ_MODEL_CHANNEL), as does a swap, which writes one. */
export async function writeCheckpoint(client: PoolClient, schema: string, position: number, evaluationDay: string): Promise<void> {
  await client.query(`UPDATE ${schemaName(schema)}.rm_checkpoint SET position = $1, evaluation_day = $2`, [position, evaluationDay]);
  await client.query('SELECT pg_notify($1, $2)', [READ_MODEL_CHANNEL, readModelVersion(schema, position, evaluationDay)]);
}
