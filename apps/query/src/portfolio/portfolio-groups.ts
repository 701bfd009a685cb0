import { ExpansionSignal } from '@rapport/domain';
import { GroupBy } from '../query-params';

/** A group's key: an owner or segment (null when unknown), or the key-account flag. */
export type GroupKey = string | boolean | null;

/** Churn risk from which an account counts as at risk in a group (the ChurnRiskRaised threshold). */
export const CHURN_RISK_ALERT = 60;

export const money = (value: string | number) => Math.round(Number(value) * 100) / 100;

/** The group an account falls in, from its profile (the read model's row, or a projection at a past time). */
export function groupKeyOf(groupBy: GroupBy, profile: { ownerId: string | null; segment: string | null; keyAccount: boolean }): GroupKey {
  return groupBy === 'keyAccount' ? profile.keyAccount : groupBy === 'ownerId' ? profile.ownerId : profile.segment;
}

/** The groups' keys in a stable order: false before true, names alphabetically, null last. */
export function sortedKeys(groups: Map<string, GroupKey>): GroupKey[] {
  return [...new Set(groups.values())].sort((a, b) => (a === null ? 1 : b === null ? -1 : String(a).localeCompare(String(b))));
}

export function sumPerCurrency(amounts: Array<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const entry of amounts)
    for (const [currency, amount] of Object.entries(entry)) total[currency] = money((total[currency] ?? 0) + amount);
  return total;
}

/** The potential of signals, per currency. */
export function potentialOf(signals: ExpansionSignal[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const signal of signals)
    for (const [currency, amount] of Object.entries(signal.potential)) total[currency] = (total[currency] ?? 0) + amount;
  return total;
}

export interface ChurnMember {
  accountId: string;
  churnScore: number;
  drivers: string[];
  arrAtRisk: Record<string, number>;
}

/**
 * Per group (`groups`: each opened account's key): the accounts not churned, their mean churn risk, those at or above
 * CHURN_RISK_ALERT, ARR at risk within the horizon, and how often each driver is named.
 */
export function churnGroupFigures(groups: Map<string, GroupKey>, members: readonly ChurnMember[]) {
  return sortedKeys(groups).map((key) => {
    const inGroup = members.filter((m) => groups.get(m.accountId) === key);
    const drivers: Record<string, number> = {};
    for (const m of inGroup) for (const d of m.drivers) drivers[d] = (drivers[d] ?? 0) + 1;
    return {
      key,
      accounts: inGroup.length,
      meanScore: inGroup.length === 0 ? null : money(inGroup.reduce((sum, m) => sum + m.churnScore, 0) / inGroup.length),
      atRisk: inGroup.filter((m) => m.churnScore >= CHURN_RISK_ALERT).length,
      arrAtRisk: sumPerCurrency(inGroup.map((m) => m.arrAtRisk)),
      drivers,
    };
  });
}

/** Per group: the accounts with signals, their potential, and the expansion realised in the period, per currency. */
export function expansionGroupFigures(
  groups: Map<string, GroupKey>,
  withSignals: ReadonlyArray<{ accountId: string; potentials: Record<string, number> }>,
  realised: ReadonlyArray<{ accountId: string; amounts: Record<string, number> }>,
) {
  return sortedKeys(groups).map((key) => {
    const members = withSignals.filter((a) => groups.get(a.accountId) === key);
    return {
      key,
      accountsWithSignals: members.length,
      potential: sumPerCurrency(members.map((a) => a.potentials)),
      realised: sumPerCurrency(realised.filter((r) => groups.get(r.accountId) === key).map((r) => r.amounts)),
    };
  });
}
