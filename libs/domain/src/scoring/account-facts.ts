import { AccountEvent } from '../events/event-catalog';
import { Segment, Severity } from '../events/event-data';

/** An account event as scoring reads it: the fact, its id and its valid time. */
export type TimedAccountEvent = AccountEvent & { eventId: string; occurredAt: string };

export const DAY_MS = 24 * 60 * 60 * 1000;

export interface ArrChange {
  /** UTC day from which the ARR applies. */
  from: string;
  arr: number;
  kind: 'signed' | 'amended' | 'renewed';
  reason?: string;
  /** occurredAt of the event, ms. */
  at: number;
}

export interface ContractFacts {
  contractId: string;
  currency: string;
  products: string[];
  startDate: string;
  /** Current end (exclusive): endDate, moved by each RenewalWon, cut by ContractTerminated. */
  endDate: string;
  terminated: boolean;
  /** ARR changes in stream order; the ARR on a day is the last change dated on or before it. */
  changes: ArrChange[];
}

export interface RenewalFacts {
  renewalId: string;
  contractId: string;
  dueDate: string;
  outcome?: { kind: 'won' | 'lost'; at: number; arr?: number; reason?: string };
}

/** What the figures are computed from: the effective facts of one account with occurredAt ≤ T. */
export interface AccountFacts {
  accountId: string;
  opened: boolean;
  name?: string;
  segment?: Segment;
  ownerId?: string;
  keyAccount: boolean;
  interactions: Array<{ at: number; sentiment?: number; executive: boolean }>;
  surveys: Array<{ at: number; kind: 'nps' | 'csat'; score: number }>;
  usage: Array<{ at: number; product: string; active: number; licensed: number }>;
  tickets: Map<string, { severity: Severity; openedAt: number; resolvedAt?: number }>;
  referrals: number[];
  contracts: Map<string, ContractFacts>;
  renewals: Map<string, RenewalFacts>;
}

/**
 * The facts of an account as known at T: its events with occurredAt ≤ T, in stream order, without retracted
 * ones. A retraction removes its target whenever it was recorded: figures for a past T are the corrected ones.
 */
export function accountFactsAt(accountId: string, events: readonly TimedAccountEvent[], at: Date): AccountFacts {
  const retracted = new Set(events.flatMap((e) => (e.type === 'EventRetracted' ? [e.data.targetEventId] : [])));
  const t = at.getTime();
  const facts: AccountFacts = {
    accountId,
    opened: false,
    keyAccount: false,
    interactions: [],
    surveys: [],
    usage: [],
    tickets: new Map(),
    referrals: [],
    contracts: new Map(),
    renewals: new Map(),
  };
  for (const event of events) {
    const when = Date.parse(event.occurredAt);
    if (when > t || retracted.has(event.eventId)) continue;
    apply(facts, event, when);
  }
  return facts;
}

function apply(facts: AccountFacts, event: TimedAccountEvent, at: number): void {
  switch (event.type) {
    case 'AccountOpened':
      Object.assign(facts, { opened: true, name: event.data.name, segment: event.data.segment, ownerId: event.data.ownerId });
      return;
    case 'AccountOwnerAssigned':
      facts.ownerId = event.data.ownerId;
      return;
    case 'KeyAccountDesignated':
    case 'KeyAccountRevoked':
      facts.keyAccount = event.type === 'KeyAccountDesignated';
      return;
    case 'InteractionLogged':
      facts.interactions.push({ at, sentiment: event.data.sentiment, executive: event.data.executiveInvolved === true });
      return;
    case 'SurveyResponded':
      facts.surveys.push({ at, kind: event.data.kind, score: event.data.score });
      return;
    case 'UsageReported':
      facts.usage.push({ at, product: event.data.product, active: event.data.activeUsers, licensed: event.data.licensedUsers });
      return;
    case 'ReferralGiven':
      facts.referrals.push(at);
      return;
    case 'SupportTicketOpened':
      facts.tickets.set(event.data.ticketId, { severity: event.data.severity, openedAt: at });
      return;
    case 'SupportTicketResolved': {
      const ticket = facts.tickets.get(event.data.ticketId);
      if (ticket && ticket.resolvedAt === undefined) ticket.resolvedAt = at;
      return;
    }
    case 'ContractSigned': {
      const { contractId, currency, products, arr, startDate, endDate } = event.data;
      facts.contracts.set(contractId, { contractId, currency, products, startDate, endDate, terminated: false, changes: [{ from: startDate, arr, kind: 'signed', at }] });
      return;
    }
    case 'ContractAmended': {
      const contract = facts.contracts.get(event.data.contractId);
      if (!contract) return;
      contract.changes.push({ from: event.data.effectiveDate, arr: event.data.arr, kind: 'amended', reason: event.data.reason, at });
      if (event.data.products) contract.products = event.data.products;
      return;
    }
    case 'ContractTerminated': {
      const contract = facts.contracts.get(event.data.contractId);
      if (!contract) return;
      contract.terminated = true;
      if (event.data.effectiveDate < contract.endDate) contract.endDate = event.data.effectiveDate;
      return;
    }
    case 'RenewalOpened':
      facts.renewals.set(event.data.renewalId, { renewalId: event.data.renewalId, contractId: event.data.contractId, dueDate: event.data.dueDate });
      return;
    case 'RenewalWon': {
      const renewal = facts.renewals.get(event.data.renewalId);
      if (renewal) renewal.outcome = { kind: 'won', at, arr: event.data.arr };
      const contract = facts.contracts.get(event.data.contractId);
      if (!contract) return;
      contract.changes.push({ from: contract.endDate, arr: event.data.arr, kind: 'renewed', at });
      contract.endDate = event.data.newEndDate;
      if (event.data.products) contract.products = event.data.products;
      return;
    }
    case 'RenewalLost': {
      const renewal = facts.renewals.get(event.data.renewalId);
      if (renewal) renewal.outcome = { kind: 'lost', at, reason: event.data.reason };
      return;
    }
    case 'EventRetracted':
      return;
  }
}

/** UTC day (YYYY-MM-DD) of an instant. */
export function utcDay(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `day` plus `days` (may be negative). */
export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}

/** ARR in force of one contract on a UTC day, 0 outside [startDate, endDate). */
export function contractArrOn(contract: ContractFacts, day: string): number {
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
export function arrOn(facts: AccountFacts, day: string): Map<string, number> {
  const arr = new Map<string, number>();
  for (const contract of facts.contracts.values()) {
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
export function arrSegments(facts: AccountFacts): ArrSegment[] {
  const segments: ArrSegment[] = [];
  for (const contract of facts.contracts.values()) {
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
