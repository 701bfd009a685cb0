import { DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { aYearOf, storedFacts } from '../../../test/support/account-events';
import { evaluationTime, projectAccount } from './account-projection';
import { AccountRows } from './read-model-writer';

const AT = evaluationTime(new Date('2026-11-23T10:00:00Z'));

/** An account's projection from a year of its events (contracts, tickets, surveys: rows in most tables). */
function projected(seed: number) {
  const accountId = `acct-${seed}`;
  const events = storedFacts(accountId, aYearOf(seed), seed * 1000);
  return projectAccount(accountId, events, events[events.length - 1].globalPosition, AT, DEFAULT_SCORING_CONFIG);
}

describe('AccountRows', () => {
  const projections = [1, 2, 3, 4, 5].map(projected);

  it('builds the same COPYs and statement a slice at a time as at once, new accounts or not', () => {
    const whole = new AccountRows('s').add(projections);
    const sliced = new AccountRows('s').add(projections.slice(0, 2), 'new').add([]).add(projections.slice(2));
    expect(sliced.copies()).toEqual(whole.copies());
    expect(sliced.insert()).toEqual(whole.insert());
    expect(sliced.accountIds).toEqual(['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5']);
    expect(sliced.newAccountIds).toEqual(['acct-1', 'acct-2']);
  });

  it('builds the same COPYs when told how many accounts are coming, whether the count is right, short or far too large', () => {
    const whole = new AccountRows('s').add(projections).copies();
    for (const told of [5, 2, 1_000]) {
      const sliced = new AccountRows('s', told).add(projections.slice(0, 1), 'new').add(projections.slice(1, 3)).add(projections.slice(3));
      expect(sliced.copies()).toEqual(whole);
    }
  });

  it("COPYs each table of accounts' rows, a line a row with every column, and adds only the shared products as JSON", () => {
    const rows = new AccountRows('s').add(projections);
    const copies = rows.copies();
    const accounts = copies.find((c) => c.sql.startsWith('COPY s.rm_accounts '))!;
    const lines = accounts.data.toString('utf8').trimEnd().split('\n');
    expect(lines.map((line) => line.split('\t')[0])).toEqual(['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5']);
    expect(lines[2].split('\t')).toHaveLength(accounts.sql.split(',').length);
    expect(copies.length).toBeGreaterThan(3);
    const insert = rows.insert()!;
    expect(insert.sql.match(/INSERT INTO s\.(\w+)/g)).toEqual(['INSERT INTO s.rm_products']);
    expect(insert.sql).toContain('ON CONFLICT (product) DO NOTHING');
    expect(JSON.parse(insert.documents[0])).toEqual(expect.arrayContaining([{ product: expect.any(String) }]));
  });

  it('has no statement for no accounts', () => {
    expect(new AccountRows('s').add([]).insert()).toBeUndefined();
  });
});
