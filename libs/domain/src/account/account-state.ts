import { AccountEvent } from '../events/event-catalog';
import { Segment, Severity } from '../events/event-data';

export interface ContractState {
  contractId: string;
  currency: string;
  arr: number;
  products: string[];
  startDate: string;
  /** Current end (exclusive): `endDate`, moved by each `RenewalWon`, cut by `ContractTerminated`. */
  endDate: string;
  terminated: boolean;
}

export interface RenewalState {
  renewalId: string;
  contractId: string;
  dueDate: string;
  status: 'open' | 'won' | 'lost';
}

/** What the rules of `decide` need to know about an account. Derived from its stream by `evolve`. */
export interface AccountState {
  opened: boolean;
  name?: string;
  segment?: Segment;
  ownerId?: string;
  keyAccount: boolean;
  contracts: Map<string, ContractState>;
  tickets: Map<string, { severity: Severity; open: boolean }>;
  renewals: Map<string, RenewalState>;
}

export function initialAccountState(): AccountState {
  return { opened: false, keyAccount: false, contracts: new Map(), tickets: new Map(), renewals: new Map() };
}

/**
 * Folds one fact into the state. Total: a fact that no longer fits (its contract's signing was retracted, say)
 * changes nothing, because `decide` already judged it when it was appended.
 * `EventRetracted` is not handled here: retraction is applied by `foldAccount`, which leaves the target out.
 */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened': {
      const { name, segment, ownerId } = event.data;
      return { ...state, opened: true, name, segment, ownerId };
    }
    case 'AccountOwnerAssigned':
      return { ...state, ownerId: event.data.ownerId };
    case 'KeyAccountDesignated':
      return { ...state, keyAccount: true };
    case 'KeyAccountRevoked':
      return { ...state, keyAccount: false };
    case 'SupportTicketOpened':
      return withEntry(state, 'tickets', event.data.ticketId, { severity: event.data.severity, open: true });
    case 'SupportTicketResolved': {
      const ticket = state.tickets.get(event.data.ticketId);
      return ticket ? withEntry(state, 'tickets', event.data.ticketId, { ...ticket, open: false }) : state;
    }
    case 'ContractSigned': {
      const { contractId, currency, arr, products, startDate, endDate } = event.data;
      return withEntry(state, 'contracts', contractId, { contractId, currency, arr, products, startDate, endDate, terminated: false });
    }
    case 'ContractAmended': {
      const contract = state.contracts.get(event.data.contractId);
      if (!contract) return state;
      return withEntry(state, 'contracts', contract.contractId, {
        ...contract,
        arr: event.data.arr,
        products: event.data.products ?? contract.products,
      });
    }
    case 'ContractTerminated': {
      const contract = state.contracts.get(event.data.contractId);
      if (!contract) return state;
      const endDate = event.data.effectiveDate < contract.endDate ? event.data.effectiveDate : contract.endDate;
      return withEntry(state, 'contracts', contract.contractId, { ...contract, endDate, terminated: true });
    }
    case 'RenewalOpened': {
      const { renewalId, contractId, dueDate } = event.data;
      return withEntry(state, 'renewals', renewalId, { renewalId, contractId, dueDate, status: 'open' });
    }
    case 'RenewalWon': {
      const renewal = state.renewals.get(event.data.renewalId);
      const contract = state.contracts.get(event.data.contractId);
      let next = renewal ? withEntry(state, 'renewals', renewal.renewalId, { ...renewal, status: 'won' as const }) : state;
      if (contract) {
        next = withEntry(next, 'contracts', contract.contractId, {
          ...contract,
          endDate: event.data.newEndDate,
          arr: event.data.arr,
          products: event.data.products ?? contract.products,
        });
      }
      return next;
    }
    case 'RenewalLost': {
      const renewal = state.renewals.get(event.data.renewalId);
      return renewal ? withEntry(state, 'renewals', renewal.renewalId, { ...renewal, status: 'lost' as const }) : state;
    }
    case 'InteractionLogged':
    case 'SurveyResponded':
    case 'UsageReported':
    case 'ReferralGiven':
    case 'EventRetracted':
      return state;
  }
}

type MapKeys = 'contracts' | 'tickets' | 'renewals';
type MapValue<K extends MapKeys> = AccountState[K] extends Map<string, infer V> ? V : never;

function withEntry<K extends MapKeys>(state: AccountState, key: K, id: string, value: MapValue<K>): AccountState {
  const next = new Map(state[key] as Map<string, MapValue<K>>);
  next.set(id, value);
  return { ...state, [key]: next };
}
