import { AccountState, ContractState } from '../account/account-state';

/** ARR in force of one contract on a UTC day, 0 outside [startDate, endDate). */
export function contractArrOn(contract: ContractState, day: string): number {
  if (day < contract.startDate || day >= contract.endDate) return 0;
  let arr = 0;
  let latest = '';
  // Later changes in stream order win ties of the same day.
  for (const change of contract.changes) {
    if (change.from <= day && change.from >= latest) {
      latest = change.from;
      arr = change.arr;
    }
  }
  return arr;
}

/** ARR of an account on a UTC day (events.md), per currency; currencies with no ARR that day are absent. */
export function arrOn(state: AccountState, day: string): Map<string, number> {
  const arr = new Map<string, number>();
  for (const contract of state.contracts.values()) {
    const value = contractArrOn(contract, day);
    if (value > 0) arr.set(contract.currency, roundCents((arr.get(contract.currency) ?? 0) + value));
  }
  return arr;
}

/** Sums of amounts in cents, so that 0.1 + 0.2 adds up to 0.3. */
export function roundCents(value: number): number {
  return Math.round(value * 100) / 100;
}

export interface ArrSegment {
  contractId: string;
  currency: string;
  /** First day (inclusive). */
  from: string;
  /** End day (exclusive). */
  to: string;
  arr: number;
}

/** A contract's ARR as intervals of constant value: the ARR on day D is the segment's with from ≤ D < to. */
export function arrSegments(state: AccountState): ArrSegment[] {
  const segments: ArrSegment[] = [];
  for (const contract of state.contracts.values()) {
    const days = [...new Set([contract.startDate, ...contract.changes.map((c) => c.from)])]
      .filter((d) => d >= contract.startDate && d < contract.endDate)
      .sort();
    days.forEach((from, i) => {
      const to = days[i + 1] ?? contract.endDate;
      const arr = contractArrOn(contract, from);
      const last = segments[segments.length - 1];
      if (last && last.contractId === contract.contractId && last.to === from && last.arr === arr) last.to = to;
      else if (arr > 0) segments.push({ contractId: contract.contractId, currency: contract.currency, from, to, arr });
    });
  }
  return segments;
}
