import { DEFAULT_SCORING_CONFIG, FitCriterion } from './scoring-config';

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

export interface KeyAccountFit {
  accountId: string;
  keyAccount: boolean;
  /** Weighted mean of the criteria with data (2 decimals), 0–100; null when no criterion with a weight has data. */
  fit: number | null;
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
 * fit = Σ weight × criterion / Σ weight over the criteria with data (weights: RAPPORT_SCORING's fitWeights, 1 each by
 * default), so a criterion without data neither helps nor hurts.
 */
export function keyAccountFit(
  accounts: readonly FitInput[],
  weights: Record<FitCriterion, number> = DEFAULT_SCORING_CONFIG.fitWeights,
): KeyAccountFit[] {
  const currencyOf = new Map(accounts.map((a) => [a, mainCurrency(a)]));
  // Each currency's ARR and potential values, sorted: a percentile is then a binary search, not a pass over the peers.
  const sorted = new Map<string, { arr: number[]; potential: number[] }>();
  for (const account of accounts) {
    const currency = currencyOf.get(account);
    if (!currency) continue;
    const values = sorted.get(currency) ?? { arr: [], potential: [] };
    values.arr.push(account.arr[currency] ?? 0);
    values.potential.push(account.potential[currency] ?? 0);
    sorted.set(currency, values);
  }
  for (const values of sorted.values()) {
    values.arr.sort((a, b) => a - b);
    values.potential.sort((a, b) => a - b);
  }
  const percentile = (peers: number[], mine: number) =>
    peers.length === 1 ? (mine > 0 ? 100 : 0) : (100 * countBelow(peers, mine)) / (peers.length - 1);
  return accounts.map((account) => {
    const currency = currencyOf.get(account);
    const peers = currency ? sorted.get(currency)! : undefined;
    const criteria: Record<FitCriterion, number | null> = {
      arrRank: currency ? round2(percentile(peers!.arr, account.arr[currency] ?? 0)) : null,
      expansionPotential: currency ? round2(percentile(peers!.potential, account.potential[currency] ?? 0)) : null,
      renewalLikelihood: round2(100 - account.churnScore),
      relationshipStrength: account.relationship,
      strategicValue: account.assessment ? account.assessment.strategicValue * 20 : null,
      logoValue: account.assessment ? account.assessment.logoValue * 20 : null,
    };
    let weighted = 0;
    let weight = 0;
    for (const [name, value] of Object.entries(criteria) as Array<[FitCriterion, number | null]>) {
      if (value === null) continue;
      weighted += weights[name] * value;
      weight += weights[name];
    }
    return {
      accountId: account.accountId,
      keyAccount: account.keyAccount,
      fit: weight > 0 ? round2(weighted / weight) : null,
      criteria,
    };
  });
}

/** The currency of an account's largest ARR (ties: alphabetical), undefined without ARR. */
function mainCurrency(account: FitInput): string | undefined {
  return Object.entries(account.arr)
    .filter(([, amount]) => amount > 0)
    .sort(([ca, a], [cb, b]) => b - a || ca.localeCompare(cb))[0]?.[0];
}

/** How many of the sorted values are below `value`. */
function countBelow(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle] < value) low = middle + 1;
    else high = middle;
  }
  return low;
}
