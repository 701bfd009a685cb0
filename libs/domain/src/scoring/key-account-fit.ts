/** What key-account selection reads of each account (its figures at T). */
export interface FitInput {
  accountId: string;
  keyAccount: boolean;
  /** ARR in force per currency. */
  arr: Record<string, number>;
  /** Expansion potential of its signals, per currency. */
  potential: Record<string, number>;
  churnScore: number;
  /** The relationship component's score, null without stakeholders. */
  relationship: number | null;
  /** The latest KeyAccountAssessed, if any. */
  assessment: { strategicValue: number; logoValue: number } | null;
}

export type FitCriterion = 'arrRank' | 'expansionPotential' | 'renewalLikelihood' | 'relationshipStrength' | 'strategicValue' | 'logoValue';

export interface KeyAccountFit {
  accountId: string;
  keyAccount: boolean;
  /** Mean of the criteria with data (2 decimals), 0–100. */
  fit: number;
  /** Each criterion 0–100, null without data. */
  criteria: Record<FitCriterion, number | null>;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * Fit of every account for the key-account programme, each criterion 0–100:
 * - arrRank: the percentile of its ARR among the accounts holding ARR in the same currency (its largest currency):
 *   100 × (accounts with less ARR) / (accounts − 1) (alone: 100); null without ARR;
 * - expansionPotential: the same percentile of its signals' potential in that currency (alone: 100 with any
 *   potential, else 0); null without ARR;
 * - renewalLikelihood: 100 − churn risk;
 * - relationshipStrength: the relationship health component; null without stakeholders;
 * - strategicValue and logoValue: the latest assessment's 0–5 × 20; null when never assessed.
 * fit = the mean of the criteria with data.
 */
export function keyAccountFit(accounts: readonly FitInput[]): KeyAccountFit[] {
  const mainCurrency = (a: FitInput) =>
    Object.entries(a.arr)
      .filter(([, amount]) => amount > 0)
      .sort(([ca, a1], [cb, b1]) => b1 - a1 || ca.localeCompare(cb))[0]?.[0];
  const byCurrency = new Map<string, FitInput[]>();
  for (const account of accounts) {
    const currency = mainCurrency(account);
    if (currency) byCurrency.set(currency, [...(byCurrency.get(currency) ?? []), account]);
  }
  const percentile = (peers: FitInput[], value: (a: FitInput) => number, of: FitInput) => {
    const mine = value(of);
    if (peers.length === 1) return mine > 0 ? 100 : 0;
    return (100 * peers.filter((p) => value(p) < mine).length) / (peers.length - 1);
  };
  return accounts.map((account) => {
    const currency = mainCurrency(account);
    const peers = currency ? byCurrency.get(currency)! : [];
    const criteria: Record<FitCriterion, number | null> = {
      arrRank: currency ? round2(percentile(peers, (a) => a.arr[currency] ?? 0, account)) : null,
      expansionPotential: currency ? round2(percentile(peers, (a) => a.potential[currency] ?? 0, account)) : null,
      renewalLikelihood: round2(100 - account.churnScore),
      relationshipStrength: account.relationship,
      strategicValue: account.assessment ? account.assessment.strategicValue * 20 : null,
      logoValue: account.assessment ? account.assessment.logoValue * 20 : null,
    };
    const known = Object.values(criteria).filter((v): v is number => v !== null);
    return {
      accountId: account.accountId,
      keyAccount: account.keyAccount,
      fit: round2(known.reduce((sum, v) => sum + v, 0) / known.length),
      criteria,
    };
  });
}
