import { AccountState } from '../account/account-state';
import { DAY_MS, utcDay } from '../time/utc-days';
import { arrOn, contractArrOn, roundCents } from './arr';
import { Health, latestUsageByProduct } from './health';

export type ExpansionSignalName = 'seat_pressure' | 'cross_sell' | 'advocate';

export interface ExpansionSignal {
  name: ExpansionSignalName;
  reason: string;
  /** Estimated ARR potential, per currency. */
  potential: Record<string, number>;
}

export interface Expansion {
  /** ARR gained by upsell, cross-sell and price increases, and by renewals won at a higher ARR, in [from, to), per currency. */
  realised: Record<string, number>;
  signals: ExpansionSignal[];
}

/** Share of the ARR of the contracts holding a product under seat pressure that more seats are estimated to bring. */
export const SEAT_PRESSURE_POTENTIAL = 0.2;
/** Share of the account's average ARR per product that one missing product is estimated to bring. */
export const CROSS_SELL_POTENTIAL = 0.5;
/** Share of the account's ARR estimated for an advocate (references, referrals, wider roll-out). */
export const ADVOCATE_POTENTIAL = 0.1;

export interface RealisedExpansion {
  contractId: string;
  currency: string;
  /** Day the higher ARR applies from. */
  date: string;
  amount: number;
}

/**
 * Each increase of a contract's ARR over its previous value on the timeline, by an upsell, cross-sell or
 * price-change amendment, or by a renewal won. Decreases and increases by other means do not count.
 */
export function realisedExpansion(state: AccountState): RealisedExpansion[] {
  const out: RealisedExpansion[] = [];
  for (const contract of state.contracts.values()) {
    const ordered = contract.changes
      .map((change, index) => ({ change, index }))
      .sort((a, b) => a.change.from.localeCompare(b.change.from) || a.index - b.index);
    for (let i = 1; i < ordered.length; i++) {
      const { change } = ordered[i];
      const previous = ordered[i - 1].change.arr;
      const counts = change.kind === 'renewed' || ['upsell', 'cross_sell', 'price_change'].includes(change.reason ?? '');
      if (counts && change.arr > previous)
        out.push({
          contractId: contract.contractId,
          currency: contract.currency,
          date: change.from,
          amount: roundCents(change.arr - previous),
        });
    }
  }
  return out;
}

/**
 * Expansion at T. Realised expansion is counted from each ARR change dated in [from, to): a change up from the
 * contract's previous ARR by an upsell, cross-sell or price-change amendment, or by a renewal won.
 * `catalogue` is the set of products seen across the portfolio.
 */
export function expansion(
  state: AccountState,
  health: Health,
  at: Date,
  catalogue: ReadonlySet<string>,
  period: { from: string; to: string },
): Expansion {
  const t = at.getTime();
  const realised = new Map<string, number>();
  for (const change of realisedExpansion(state)) {
    if (change.date >= period.from && change.date < period.to)
      realised.set(change.currency, roundCents((realised.get(change.currency) ?? 0) + change.amount));
  }

  const today = utcDay(at);
  const arr = arrOn(state, today);
  const signals: ExpansionSignal[] = [];
  const inForce = [...state.contracts.values()].filter((c) => c.startDate <= today && today < c.endDate);

  for (const [product, usage] of latestUsageByProduct(state, t)) {
    const utilisation = usage.active / usage.licensed;
    if (utilisation < 0.9) continue;
    const potential = new Map<string, number>();
    for (const c of inForce.filter((c) => c.products.includes(product))) {
      potential.set(c.currency, roundCents((potential.get(c.currency) ?? 0) + SEAT_PRESSURE_POTENTIAL * contractArrOn(c, today)));
    }
    signals.push({
      name: 'seat_pressure',
      reason: `${product}: ${usage.active} of ${usage.licensed} seats used (${Math.round(utilisation * 100)} %)`,
      potential: Object.fromEntries(potential),
    });
  }

  const held = new Set(inForce.flatMap((c) => c.products));
  const crossSell = crossSellSignal(health.band, held, arr, catalogue);
  if (crossSell) signals.push(crossSell);

  const nps = state.surveys
    .filter((s) => s.kind === 'nps' && s.at <= t)
    .sort((a, b) => a.at - b.at)
    .pop();
  const referral = state.referrals.some((r) => r <= t && t - r < 180 * DAY_MS);
  if ((nps && nps.score >= 9) || referral) {
    const reasons = [
      ...(nps && nps.score >= 9 ? [`latest NPS ${nps.score} (a promoter)`] : []),
      ...(referral ? ['gave a referral in the last 180 days'] : []),
    ];
    signals.push({
      name: 'advocate',
      reason: reasons.join('; '),
      potential: Object.fromEntries([...arr].map(([c, v]) => [c, roundCents(v * ADVOCATE_POTENTIAL)])),
    });
  }
  return { realised: Object.fromEntries(realised), signals };
}

/**
 * Cross-sell: a green account holding fewer products than the catalogue seen across the portfolio. Potential: the
 * account's ARR per product held × products missing × CROSS_SELL_POTENTIAL. Apart from the account's own signals
 * because it depends on the rest of the portfolio.
 */
export function crossSellSignal(
  band: Health['band'],
  held: ReadonlySet<string>,
  arr: ReadonlyMap<string, number>,
  catalogue: ReadonlySet<string>,
): ExpansionSignal | undefined {
  const missing = [...catalogue].filter((p) => !held.has(p)).sort();
  if (band !== 'green' || held.size === 0 || missing.length === 0) return undefined;
  const potential = Object.fromEntries(
    [...arr].map(([currency, value]) => [currency, roundCents((value / held.size) * missing.length * CROSS_SELL_POTENTIAL)]),
  );
  return {
    name: 'cross_sell',
    reason: `healthy account holding ${held.size} of ${catalogue.size} products; not yet: ${missing.join(', ')}`,
    potential,
  };
}
