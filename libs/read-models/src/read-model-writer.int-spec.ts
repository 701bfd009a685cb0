import { Pool } from 'pg';
import { AccountEvent, DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { storedFacts, withPractice } from '../../../test/support/account-events';
import { dumpReadModel } from '../../../test/support/read-model-dump';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { evaluationTime, projectAccount } from './account-projection';
import { createReadModelSchema } from './read-model-schemas';
import { schemaName } from './read-model.sql';
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

/** An account's projection from a year of key-account facts (rows in every table), its strings made awkward. */
function projected(seed: number) {
  const accountId = `acct ${seed}${AWKWARD}`;
  const events = storedFacts(
    accountId,
    withPractice(seed).map(([occurredAt, fact]) => [occurredAt, awkwardFact(fact)]),
    seed * 1000,
  );
  return projectAccount(accountId, events, events[events.length - 1].globalPosition, AT, DEFAULT_SCORING_CONFIG);
}

describe('AccountRows written by COPY (new accounts) and as JSON', () => {
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
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await writeAccountRows(client, rows(schema), new Set());
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    return { schema, dump: await dumpReadModel(pool, schema) };
  }

  it('stores the same rows in every table both ways, awkward strings included', async () => {
    const projections = [10, 15, 20, 21].map(projected);
    const copied = await written((schema) => new AccountRows(schema).add(projections.slice(0, 2), 'new').add(projections.slice(2), 'new'));
    const json = await written((schema) => new AccountRows(schema).add(projections));
    expect(copied.dump).toEqual(json.dump);

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

  it('adds the products shared by the portfolio where missing, new accounts or not', async () => {
    // Seeds 2 and 6 renewed their contract of core and bi.
    const { dump } = await written((schema) => new AccountRows(schema).add([projected(2)], 'new').add([projected(6)]));
    expect(dump.rm_products).toEqual([{ product: `bi${AWKWARD}` }, { product: `core${AWKWARD}` }]);
  });

  it('refuses a lone surrogate, as the JSON path does', async () => {
    const projection = { ...projected(2), accountId: 'acct \ud800' };
    expect(() => new AccountRows('s').add([projection], 'new')).toThrow('column account_id: a lone UTF-16 surrogate cannot be stored');
    const schema = await createReadModelSchema(pool);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await expect(writeAccountRows(client, new AccountRows(schema).add([projection]))).rejects.toThrow(
        'invalid input syntax for type json',
      );
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});
