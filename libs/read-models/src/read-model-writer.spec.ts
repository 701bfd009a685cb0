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

  it('builds the same statement and documents a slice at a time as at once', () => {
    const whole = new AccountRows('s').add(projections);
    const sliced = new AccountRows('s').add(projections.slice(0, 2)).add([]).add(projections.slice(2));
    expect(sliced.insert()).toEqual(whole.insert());
    expect(sliced.accountIds).toEqual(['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5']);
  });

  it("writes each table's rows as one JSON array of records, one record a row with every column", () => {
    const insert = new AccountRows('s').add(projections).insert()!;
    const documents = insert.documents.map((d) => JSON.parse(d) as Array<Record<string, unknown>>);
    expect(documents[0].map((r) => r.account_id)).toEqual(['acct-1', 'acct-2', 'acct-3', 'acct-4', 'acct-5']);
    expect(documents[0][2]).toMatchObject({ churn_score: projections[2].churn.score, health_score: projections[2].health.score });
    expect(documents.length).toBeGreaterThan(3);
    expect(insert.sql.match(/INSERT INTO/g)).toHaveLength(documents.length);
  });

  it('has no statement for no accounts', () => {
    expect(new AccountRows('s').add([]).insert()).toBeUndefined();
  });
});
