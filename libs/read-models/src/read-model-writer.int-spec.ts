import { Pool } from 'pg';
import { AccountEvent, DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { inTransaction } from '@rapport/postgres';
import { storedFacts, withPractice } from '../../../test/support/account-events';
import { dumpReadModel } from '../../../test/support/read-model-dump';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { evaluationTime, projectAccount } from './account-projection';
import { createReadModelSchema } from './read-model-schemas';
import { schemaName } from './read-model.sql';
import { ACCOUNT_TABLES } from './read-model-tables';
import { AccountRows, writeAccountRows } from './read-model-writer';

const AT = evaluationTime(new Date('2026-11-23T10:00:00Z'));

/** What COPY's text format escapes or reads specially, and what an array literal quotes. */
const AWKWARD = ' \t tab \n newline \r return \\ backslash \\N "quoted" \'single\' {braces} [a,b] NULL é ß 😀';

/**
 * Identifiers, names and free text of the facts, to have AWKWARD appended. Enumerations and dates are left as they are,
 * and so are the reasons of amendments (`upsell` counts as expansion) and of designations.
 */
const AWKWARD_KEYS = new Set(['name', 'ownerId', 'contractId', 'products', 'product', 'ticketId', 'description', 'goalId', 'actionId']);
const AWKWARD_KEYS_OF: Record<string, string[]> = {
  RenewalLost: ['reason', 'renewalId'],
  RenewalOpened: ['renewalId'],
  RenewalWon: ['renewalId'],
};

function awkward(value: unknown, keys: ReadonlySet<string>, key = ''): unknown {
  if (typeof value === 'string') return keys.has(key) ? `${value}${AWKWARD}` : value;
  if (Array.isArray(value)) return value.map((item) => awkward(item, keys, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, awkward(v, keys, k)]));
  }
  return value;
}

function awkwardFact(fact: AccountEvent): AccountEvent {
  return awkward(fact, new Set([...AWKWARD_KEYS, ...(AWKWARD_KEYS_OF[fact.type] ?? [])])) as AccountEvent;
}

/**
 * An account's projection from a year of key-account facts (rows in every table), its strings made awkward; with
 * `factsOf`, another seed's facts for the same account.
 */
function projected(seed: number, factsOf = seed) {
  const accountId = `acct ${seed}${AWKWARD}`;
  const events = storedFacts(
    accountId,
    withPractice(factsOf).map(([occurredAt, fact]) => [occurredAt, awkwardFact(fact)]),
    seed * 1000,
  );
  return projectAccount(accountId, events, events[events.length - 1].globalPosition, AT, DEFAULT_SCORING_CONFIG);
}

describe('AccountRows written by COPY', () => {
  let database: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    database = await createTestDatabase('read_model_writer');
    pool = new Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(async () => {
    await pool.end();
    await database.drop();
  });

  async function written(rows: (schema: string) => AccountRows): Promise<{ schema: string; dump: Record<string, unknown[]> }> {
    const schema = await createReadModelSchema(pool);
    // inTransaction rolls a failed write back, so that the pool's connection is fit for the next test.
    await inTransaction(pool, (client) => writeAccountRows(client, rows(schema), new Set()));
    return { schema, dump: await dumpReadModel(pool, schema) };
  }

  /**
   * The reference: each table's records (every column's value) as one JSON document, taken apart by
   * `jsonb_to_recordset`, which is how the rows of accounts that had some were written until 2026-12-04.
   */
  async function writtenFromJson(projections: ReturnType<typeof projected>[]): Promise<Record<string, unknown[]>> {
    const schema = await createReadModelSchema(pool);
    for (const table of ACCOUNT_TABLES) {
      const columns = Object.entries(table.columns);
      const records = projections
        .flatMap((p) => table.rows(p))
        .map((row) => Object.fromEntries(columns.map(([name, column]) => [name, column.value(row)])));
      const names = columns.map(([n]) => n).join(', ');
      await pool.query(
        `INSERT INTO ${schemaName(schema)}.${table.name} (${names})
         SELECT ${names} FROM jsonb_to_recordset($1::jsonb) AS x(${columns.map(([n, c]) => `${n} ${c.sqlType}`).join(', ')})
         ON CONFLICT DO NOTHING`,
        [JSON.stringify(records)],
      );
    }
    return dumpReadModel(pool, schema);
  }

  it('stores in every table what jsonb_to_recordset makes of the same records, awkward strings included', async () => {
    const projections = [10, 15, 20, 21].map((seed) => projected(seed));
    const copied = await written((schema) => new AccountRows(schema).add(projections.slice(0, 2), 'new').add(projections.slice(2)));
    expect(copied.dump).toEqual(await writtenFromJson(projections));

    // Not equal by being empty: every table has rows, and the strings came through whole.
    for (const [table, rows] of Object.entries(copied.dump)) expect([table, rows.length]).not.toEqual([table, 0]);
    const { rows } = await pool.query(
      `SELECT account_id, name, owner_id, products FROM ${schemaName(copied.schema)}.rm_accounts ORDER BY account_id`,
    );
    expect(rows[0]).toEqual({
      account_id: `acct 10${AWKWARD}`,
      name: `Account 10${AWKWARD}`,
      owner_id: `owner-2${AWKWARD}`,
      products: [`bi${AWKWARD}`, `core${AWKWARD}`],
    });
  });

  it('replaces every row an account had, in every table, and leaves the other accounts alone', async () => {
    const seeds = [10, 15, 20];
    const fresh = await written((schema) =>
      new AccountRows(schema).add(
        seeds.map((seed) => projected(seed)),
        'new',
      ),
    );
    // The same accounts with rows from other facts (more or fewer in each table), and one account the batch leaves.
    const schema = await createReadModelSchema(pool);
    const stale = new AccountRows(schema).add([...seeds.map((seed) => projected(seed, seed + 1)), projected(21)], 'new');
    await inTransaction(pool, (client) => writeAccountRows(client, stale, new Set()));
    const rows = new AccountRows(schema).add(seeds.map((seed) => projected(seed)));
    await inTransaction(pool, (client) => writeAccountRows(client, rows, new Set(stale.accountIds)));
    // The tables of accounts' rows (products are shared and never removed: the other facts' stay).
    const ofAccounts = (dump: Record<string, unknown[]>, leave: (accountId: string) => boolean) =>
      Object.fromEntries(
        ACCOUNT_TABLES.filter((table) => table.write === 'replace').map((table) => [
          table.name,
          dump[table.name].filter((row) => !leave((row as { account_id: string }).account_id)),
        ]),
      );
    const replaced = await dumpReadModel(pool, schema);
    expect(ofAccounts(replaced, (id) => id.startsWith('acct 21'))).toEqual(ofAccounts(fresh.dump, () => false));
    expect(replaced.rm_accounts.map((row) => (row as { account_id: string }).account_id.slice(0, 7))).toEqual([
      'acct 10',
      'acct 15',
      'acct 20',
      'acct 21',
    ]);
  });

  it('adds the products shared by the portfolio where missing, new accounts or not', async () => {
    // Seeds 2 and 6 renewed their contract of core and bi.
    const { dump } = await written((schema) => new AccountRows(schema).add([projected(2)], 'new').add([projected(6)]));
    expect(dump.rm_products).toEqual([{ product: `bi${AWKWARD}` }, { product: `core${AWKWARD}` }]);
  });

  it('refuses a lone surrogate before anything is written, as jsonb refuses it', async () => {
    const projection = { ...projected(2), accountId: 'acct \ud800' };
    expect(() => new AccountRows('s').add([projection], 'new')).toThrow('column account_id: a lone UTF-16 surrogate cannot be stored');
    expect(() => new AccountRows('s').add([projection])).toThrow('column account_id: a lone UTF-16 surrogate cannot be stored');
    await expect(writtenFromJson([projection])).rejects.toThrow('invalid input syntax for type json');
  });
});
