import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { compactJsonbText } from './compact-jsonb-text';

/** Values whose jsonb text has `: ` and `, ` inside strings, escapes before quotes, nesting, empty containers. */
const AWKWARD: unknown[] = [
  { type: 'ChurnRiskRaised', figures: { score: 60, drivers: [{ name: 'no_recent_interaction', points: 10 }], arrAtRisk: {} } },
  { text: 'a: b, c', quoted: 'say "hi", then: "bye"', tricky: 'ends with a backslash \\', twice: '\\\\", "x": 1' },
  { controls: 'tab\there\nnew line\r\u0001\u001f', unicode: 'é 😀 名前 \u2028', empty: '', space: ' ', spaces: '  a  ' },
  { nested: [[], {}, [[{}]], { a: [1, 2, 3], b: { c: { d: [] } } }], 'key with: , spaces': 'v', '': 'empty key' },
  [1, -2, 0.35, -0.5, 60, 1.25e-3, 123456.789, 0.30000000000000004, 9007199254740991, 0],
  [true, false, null, 'null', '{"not": "json"}', ['a, b', 'c: d']],
  'a top-level string, with: punctuation',
  42,
  null,
];

describe('compactJsonbText, on PostgreSQL’s own jsonb output', () => {
  let database: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await createTestDatabase('compact_jsonb');
    client = new Client({ connectionString: database.url });
    await client.connect();
  });
  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  it('gives what JSON.stringify gives for the parsed value, for every awkward value', async () => {
    const { rows } = await client.query<{ text: string; value: unknown }>(
      'SELECT v::text AS text, v AS value FROM jsonb_array_elements($1::jsonb) AS v',
      [JSON.stringify(AWKWARD)],
    );
    expect(rows).toHaveLength(AWKWARD.length);
    // The server's text has the spaces to drop (the containers among the values).
    expect(rows.filter((r) => r.text.includes(', ')).length).toBeGreaterThanOrEqual(6);
    for (const { text, value } of rows) expect(compactJsonbText(text).toString()).toBe(JSON.stringify(value));
  });

  it('keeps a number’s value where PostgreSQL writes it another way than JavaScript', async () => {
    const { rows } = await client.query<{ text: string }>(`SELECT '[1e-7, 1e21, -0]'::jsonb::text AS text`);
    const compact = compactJsonbText(rows[0].text).toString();
    expect(compact).not.toContain(' ');
    expect(JSON.parse(compact)).toEqual([1e-7, 1e21, 0]);
  });
});
