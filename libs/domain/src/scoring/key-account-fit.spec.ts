import { FitInput, keyAccountFit } from './key-account-fit';

const account = (accountId: string, fields: Partial<FitInput>): FitInput => ({
  accountId,
  keyAccount: false,
  arr: {},
  potential: {},
  churnScore: 0,
  relationship: null,
  assessment: null,
  ...fields,
});

describe('key-account fit', () => {
  it('ranks ARR and potential within a currency and averages the criteria with data, by hand', () => {
    const fits = keyAccountFit([
      account('a', {
        keyAccount: true,
        arr: { EUR: 300_000 },
        potential: { EUR: 30_000 },
        churnScore: 20,
        relationship: 70,
        assessment: { strategicValue: 4, logoValue: 5 },
      }),
      account('b', { arr: { EUR: 100_000 }, churnScore: 50 }),
      account('c', { arr: { EUR: 200_000 }, potential: { EUR: 10_000 }, churnScore: 40, assessment: { strategicValue: 2, logoValue: 1 } }),
      account('d', { arr: { USD: 50_000 }, churnScore: 10 }),
      account('e', { churnScore: 60 }),
    ]);
    const by = Object.fromEntries(fits.map((f) => [f.accountId, f]));
    // a: ARR above both EUR peers 100, potential above both 100, renewal 80, relationship 70, strategic 80, logo 100
    expect(by.a).toEqual({
      accountId: 'a',
      keyAccount: true,
      fit: 88.33,
      criteria: {
        arrRank: 100,
        expansionPotential: 100,
        renewalLikelihood: 80,
        relationshipStrength: 70,
        strategicValue: 80,
        logoValue: 100,
      },
    });
    // b: lowest ARR 0, no potential 0, renewal 50 → 50 / 3
    expect(by.b.fit).toBe(16.67);
    // c: ARR above one of two peers 50, potential above b 50, renewal 60, strategic 40, logo 20 → 220 / 5
    expect(by.c).toMatchObject({ fit: 44, criteria: { arrRank: 50, expansionPotential: 50, relationshipStrength: null } });
    // d: alone in USD: ARR 100, no potential 0, renewal 90 → 190 / 3
    expect(by.d.fit).toBe(63.33);
    // e: no ARR: only renewal likelihood
    expect(by.e).toMatchObject({ fit: 40, criteria: { arrRank: null, expansionPotential: null, renewalLikelihood: 40 } });
  });

  it('weighs the criteria as configured, over those with data only', () => {
    const weights = { arrRank: 3, expansionPotential: 0, renewalLikelihood: 1, relationshipStrength: 2, strategicValue: 0, logoValue: 0 };
    const [big, small, unknown] = keyAccountFit(
      [
        account('big', { arr: { EUR: 200 }, potential: { EUR: 50 }, churnScore: 20, relationship: 40 }),
        account('small', { arr: { EUR: 100 }, churnScore: 10 }),
        account('unknown', { churnScore: 30 }),
      ],
      weights,
    );
    // big: (3 × 100 + 1 × 80 + 2 × 40) / (3 + 1 + 2); the potential's 100 weighs 0
    expect(big.fit).toBe(76.67);
    // small: (3 × 0 + 1 × 90) / (3 + 1): relationship has no data, so its weight is left out
    expect(small.fit).toBe(22.5);
    // unknown: only renewal likelihood has data
    expect(unknown.fit).toBe(70);
    const onlyJudged = { ...weights, arrRank: 0, renewalLikelihood: 0, relationshipStrength: 0, strategicValue: 1 };
    expect(keyAccountFit([account('never-assessed', { arr: { EUR: 1 } })], onlyJudged)[0].fit).toBeNull();
  });
});
