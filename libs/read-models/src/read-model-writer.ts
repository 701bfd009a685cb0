import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClientBase, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyTextBuffer, sqlLiteral } from '@rapport/postgres';
import { AccountProjection } from './account-projection';
import { columnList, copyRows, copySQL } from './copy-text';
import { schemaName } from './read-model.sql';
import { ACCOUNT_TABLES, AnyTableDefinition } from './read-model-tables';

/**
 * Replaces every row of the given accounts in a read model schema, inside the caller's transaction: the rows are
 * a function of each account's events, so replacing them whole makes a replay idempotent and a retraction exact.
 * One statement deletes the accounts' rows from every table of accounts, a COPY a table writes them again, and one
 * statement adds the portfolio's shared rows where missing (see AccountRows). `existing`, when the caller knows it,
 * names the accounts that may have rows: the others (new accounts, a rebuild's fresh schema) need no delete.
 */
export async function writeAccountProjections(
  client: PoolClient,
  schema: string,
  projections: readonly AccountProjection[],
  existing?: ReadonlySet<string>,
): Promise<void> {
  await writeAccountRows(client, new AccountRows(schema).add(projections), existing);
}

/** A first guess at a row's COPY text: an account's row with no history is ~1 KB; the buffer grows past it as needed. */
const ROW_BYTES = 1024;

/** The most a table's text is sized for ahead; past it the buffer grows as rows come. */
const MAX_EXPECTED_BYTES = 16 * 1024 * 1024;

/** Accounts with rows to replace (`'any'`), or new to the read model, none of whose rows can exist (`'new'`). */
export type AccountsAdded = 'any' | 'new';

/**
 * writeAccountProjections' rows, built apart from its transaction (they depend on nothing in it) and a slice of
 * accounts at a time, so that a caller can let other work through between slices.
 *
 * The rows of every table of accounts (`replace`) are COPYed, after the delete of any the accounts had: PostgreSQL
 * reads COPY's text in half the time it takes to parse a JSON document and take its records apart, and the
 * `INSERT … FROM jsonb_to_recordset(…) ON CONFLICT DO UPDATE` that wrote accounts with rows until 2026-12-04 cost
 * `bench:projector --accounts 1000` (interactions on existing accounts) 56.3–57.3 µs of PostgreSQL's CPU an event
 * against 32.3–33.7 (docs/benchmarks.md, "The read model's rows by COPY, accounts with rows too"). The shared table
 * (products, added where missing) is one JSON statement.
 */
export class AccountRows {
  readonly accountIds: string[] = [];
  /** The accounts added as `'new'`: none of their rows can exist, so none is deleted first unless `existing` names it. */
  readonly newAccountIds: string[] = [];
  /** Per shared table, the JSON of each slice's records without the array's brackets. */
  private readonly fragments: string[][] = ACCOUNT_TABLES.map(() => []);
  /**
   * Per table of accounts, the COPY text of its rows, written in place as each slice is added. Kept as strings until the
   * transaction, each slice's text was a rope of a few hundred pieces an account that every young-generation collection
   * it lived through copied, and that joining flattened again (9 % of the projector's samples catching up a backlog):
   * a Buffer's bytes lie outside V8's heap. bench:projector, three alternated pairs: 74–79 µs of the projector's CPU an
   * event against 92–111, 9,813–10,265 events/s against 7,550–9,222.
   */
  private readonly copied: Array<CopyTextBuffer | undefined> = ACCOUNT_TABLES.map(() => undefined);

  /**
   * `accounts`: how many accounts will be added in all, when the caller knows (a projector's batch, added ten at a
   * time). Each table's text is then sized once from its first slice's bytes an account: grown by doubling from the
   * first slice's size, it was copied again at each doubling (13 % of the projector's time building rows, catching up
   * new accounts).
   */
  constructor(
    readonly schema: string,
    private readonly accounts?: number,
  ) {}

  add(projections: readonly AccountProjection[], accounts: AccountsAdded = 'any'): this {
    ACCOUNT_TABLES.forEach((table, t) => {
      const rows = projections.flatMap((p) => table.rows(p));
      if (rows.length === 0) return;
      if (table.write === 'replace') this.copy(t, table, rows, projections.length);
      else this.fragments[t].push(JSON.stringify(recordsOf(table, rows)).slice(1, -1));
    });
    const ids = projections.map((p) => p.accountId);
    this.accountIds.push(...ids);
    if (accounts === 'new') this.newAccountIds.push(...ids);
    return this;
  }

  private copy(t: number, table: AnyTableDefinition, rows: readonly unknown[], accounts: number): void {
    const copied = this.copied[t];
    if (copied) return copyRows(table, rows, copied);
    const first = (this.copied[t] = new CopyTextBuffer(rows.length * ROW_BYTES));
    copyRows(table, rows, first);
    // A quarter more than the first slice's bytes an account foretell (an account with more history writes more), up
    // to a bound: a first slice of long histories must not reserve their size for every account of the batch.
    if (this.accounts !== undefined && this.accounts > accounts) {
      first.expect(Math.min(MAX_EXPECTED_BYTES, Math.ceil(1.25 * (first.written / accounts) * this.accounts)));
    }
  }

  /** The COPY of each table of accounts with rows. */
  copies(): Array<{ sql: string; data: Buffer }> {
    const s = schemaName(this.schema);
    return ACCOUNT_TABLES.flatMap((table, t) => {
      const copied = this.copied[t];
      return copied ? [{ sql: copySQL(s, table), data: copied.result() }] : [];
    });
  }

  /** The statement that adds the shared rows where missing, and its parameters; undefined when there are none. */
  insert(): { sql: string; documents: string[] } | undefined {
    const s = schemaName(this.schema);
    const inserts: string[] = [];
    const documents: string[] = [];
    ACCOUNT_TABLES.forEach((table, t) => {
      if (this.fragments[t].length === 0) return;
      documents.push(`[${this.fragments[t].join(',')}]`);
      inserts.push(`i${inserts.length} AS (${addMissingSQL(s, table, documents.length)})`);
    });
    return inserts.length > 0 ? { sql: `WITH ${inserts.join(', ')} SELECT 1`, documents } : undefined;
  }
}

/** Built key by key in the same order, the records share one shape (Object.fromEntries took a quarter longer). */
function recordsOf(table: AnyTableDefinition, rows: readonly unknown[]): Array<Record<string, unknown>> {
  const columns = columnList(table);
  return rows.map((row) => {
    const record: Record<string, unknown> = {};
    for (const [name, c] of columns) record[name] = c.value(row);
    return record;
  });
}

/**
 * `existing`: the accounts that have rows, whose rows are deleted first; when undefined, every account but those added
 * as new, which must then have none (a row of theirs would make the COPY fail: primary keys).
 */
export async function writeAccountRows(client: PoolClient, rows: AccountRows, existing?: ReadonlySet<string>): Promise<void> {
  const added = new Set(rows.newAccountIds);
  const stale = rows.accountIds.filter((id) => (existing === undefined ? !added.has(id) : existing.has(id)));
  if (stale.length > 0) {
    const deletes = ACCOUNT_TABLES.filter((table) => table.write === 'replace').map(
      (table, i) => `d${i} AS (DELETE FROM ${schemaName(rows.schema)}.${table.name} WHERE account_id = ANY($1::text[]))`,
    );
    await client.query(`WITH ${deletes.join(', ')} SELECT 1`, [stale]);
  }
  for (const copy of rows.copies()) await pipeline(Readable.from([copy.data]), client.query(copyFrom(copy.sql)));
  const insert = rows.insert();
  if (insert) await client.query(insert.sql, insert.documents);
}

/** The statement that adds a shared table's rows where missing, from the JSON document of parameter `parameter`. */
function addMissingSQL(schema: string, table: AnyTableDefinition, parameter: number): string {
  const names = Object.keys(table.columns);
  const recordType = Object.entries(table.columns).map(([name, c]) => `${name} ${c.sqlType}`);
  const select = `SELECT DISTINCT ${names.join(', ')} FROM jsonb_to_recordset($${parameter}::jsonb) AS x(${recordType.join(', ')})`;
  return `INSERT INTO ${schema}.${table.name} (${names.join(', ')}) ${select} ON CONFLICT (${table.primaryKey.join(', ')}) DO NOTHING`;
}

export async function readCheckpoint(
  client: ClientBase,
  schema: string,
  forUpdate = false,
): Promise<{ position: number; evaluationDay: string | null }> {
  const { rows } = await client.query<CheckpointRow>(readCheckpointSQL(schema, forUpdate));
  return checkpointOf(rows[0]);
}

export interface CheckpointRow {
  position: string;
  evaluation_day: string | null;
}

export function readCheckpointSQL(schema: string, forUpdate: boolean): string {
  return `SELECT position, to_char(evaluation_day, 'YYYY-MM-DD') AS evaluation_day
     FROM ${schemaName(schema)}.rm_checkpoint ${forUpdate ? 'FOR UPDATE' : ''}`;
}

export function checkpointOf(row: CheckpointRow): { position: number; evaluationDay: string | null } {
  return { position: Number(row.position), evaluationDay: row.evaluation_day };
}

/**
 * Notified at each commit that changes the active read model's content: its new version (`readModelVersion`), and on a
 * second line, when the change is confined to some accounts and their ids fit, those ids as a JSON array
 * (`ReadModelNotice`).
 */
export const READ_MODEL_CHANNEL = 'rapport_read_model';

/** PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more; longer account lists are left out. */
const MAX_NOTICE_BYTES = 7_900;

/** What identifies the content of a read model: its schema, position and evaluation day (each change moves one). */
export function readModelVersion(schema: string, position: number, evaluationDay: string | null): string {
  return `${schema}:${position}:${evaluationDay ?? ''}`;
}

/** A READ_MODEL_CHANNEL notification, read. */
export interface ReadModelNotice {
  version: string;
  schema: string;
  position: number;
  evaluationDay: string | null;
  /** The only accounts whose rows changed since the previous version; undefined: any row may have changed. */
  accounts?: readonly string[];
}

export function readModelNoticePayload(
  schema: string,
  position: number,
  evaluationDay: string | null,
  accounts?: readonly string[],
): string {
  const version = readModelVersion(schema, position, evaluationDay);
  if (accounts === undefined) return version;
  const payload = `${version}\n${JSON.stringify(accounts)}`;
  return Buffer.byteLength(payload) < MAX_NOTICE_BYTES ? payload : version;
}

/** Undefined for a payload this version of Rapport did not write. */
export function parseReadModelNotice(payload: string): ReadModelNotice | undefined {
  const [version, list] = payload.split('\n', 2);
  const match = /^(.+):(\d+):(\d{4}-\d{2}-\d{2})?$/.exec(version);
  if (!match) return undefined;
  let accounts: string[] | undefined;
  if (list !== undefined) {
    try {
      const parsed: unknown = JSON.parse(list);
      if (Array.isArray(parsed) && parsed.every((id) => typeof id === 'string')) accounts = parsed;
    } catch {
      accounts = undefined;
    }
  }
  return { version, schema: match[1], position: Number(match[2]), evaluationDay: match[3] ?? null, accounts };
}

/**
 * Moves the checkpoint; readers' caches hear of it at commit (READ_MODEL_CHANNEL), as does a swap, which writes one.
 * `accounts`: the only accounts whose rows this transaction wrote, when that is known.
 */
export async function writeCheckpoint(
  client: PoolClient,
  schema: string,
  position: number,
  evaluationDay: string,
  accounts?: readonly string[],
): Promise<void> {
  await client.query(writeCheckpointSQL(schema, position, evaluationDay, accounts));
}

/**
 * writeCheckpoint's statement, its values as literals (escaped by `sqlLiteral`, as pg's `escapeLiteral` would), so that it can share a
 * round trip with the COMMIT after it: a simple query of several statements takes no parameters.
 */
export function writeCheckpointSQL(schema: string, position: number, evaluationDay: string, accounts?: readonly string[]): string {
  if (!Number.isSafeInteger(position) || position < 0) throw new Error(`not a checkpoint position: ${position}`);
  const notice = readModelNoticePayload(schema, position, evaluationDay, accounts);
  return (
    `WITH moved AS (UPDATE ${schemaName(schema)}.rm_checkpoint ` +
    `SET position = ${position}, evaluation_day = ${sqlLiteral(evaluationDay)}) ` +
    `SELECT pg_notify(${sqlLiteral(READ_MODEL_CHANNEL)}, ${sqlLiteral(notice)})`
  );
}
