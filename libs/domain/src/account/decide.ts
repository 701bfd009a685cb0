import { EVENT_TYPES, EventType } from '../events/event-catalog';
import { NewAccountEvent } from '../events/event-codec';
import { AccountState, ContractState, unreachable } from './account-state';

/** What `decide`'s rules read of an account's state: its figures (interactions, usage, surveys…) are not among them. */
export type DecisionState = Pick<
  AccountState,
  | 'accountId'
  | 'opened'
  | 'tickets'
  | 'contracts'
  | 'renewals'
  | 'stakeholders'
  | 'goals'
  | 'actions'
  | 'competitors'
  | 'invoices'
  | 'eventTypes'
  | 'retracted'
>;

/**
 * Facts whose fold changes nothing `decide` reads but the ids in `eventTypes`: the bulk of a long stream (interactions,
 * usage, surveys). A writer may fold a stream without them (`DECISION_EVENT_TYPES`) and decide every fact as on the
 * whole stream, but a retraction, which may name any event: that one needs the whole stream (decision-facts.spec checks both).
 */
export const NON_DECISION_EVENT_TYPES: readonly EventType[] = [
  'InteractionLogged',
  'UsageReported',
  'SurveyResponded',
  'ReferralGiven',
  'AccountOwnerAssigned',
  'KeyAccountDesignated',
  'KeyAccountRevoked',
  'CadenceAgreed',
  'KeyAccountAssessed',
];

/** The facts `decide` depends on (retractions among them, since they take their targets out of the fold). */
export const DECISION_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter((type) => !NON_DECISION_EVENT_TYPES.includes(type));

/** Record a fact from a source system on its account: the one command of an account's stream. */
export interface RecordFact {
  type: 'RecordFact';
  event: NewAccountEvent;
}

export type AccountCommand = RecordFact;

/** Stable codes of the rules an account's state puts on new facts (api.md). */
export type RuleCode =
  | 'account_already_opened'
  | 'ticket_exists'
  | 'ticket_unknown'
  | 'ticket_resolved'
  | 'contract_exists'
  | 'contract_unknown'
  | 'contract_ended'
  | 'before_contract_start'
  | 'renewal_exists'
  | 'renewal_unknown'
  | 'renewal_contract_mismatch'
  | 'renewal_closed'
  | 'new_end_not_after_end'
  | 'retraction_target_unknown'
  | 'retraction_of_retraction'
  | 'already_retracted'
  | 'stakeholder_exists'
  | 'stakeholder_unknown'
  | 'stakeholder_left'
  | 'goal_exists'
  | 'goal_unknown'
  | 'goal_closed'
  | 'action_exists'
  | 'action_unknown'
  | 'action_completed'
  | 'competitor_unknown'
  | 'invoice_exists'
  | 'invoice_unknown'
  | 'invoice_paid';

/** The account was never opened (or its opening was retracted): every fact but `AccountOpened` is refused. */
export interface AccountNotFound {
  type: 'AccountNotFound';
  code: 'account_not_found';
  accountId: string;
  field: 'accountId';
  message: string;
}

/** A rule of the account's state is broken, e.g. amending an ended contract. */
export interface RuleBroken {
  type: 'RuleBroken';
  code: RuleCode;
  /** The field of the envelope the rule is about, e.g. `data.contractId`. */
  field: string;
  message: string;
}

export type Rejection = AccountNotFound | RuleBroken;

export type Decision = { ok: true; events: NewAccountEvent[] } | { ok: false; rejection: Rejection };

const accept = (event: NewAccountEvent): Decision => ({ ok: true, events: [event] });
const broken = (code: RuleCode, message: string, field: string): Decision => ({
  ok: false,
  rejection: { type: 'RuleBroken', code, field, message },
});

/**
 * The rules an account's state puts on a command: the events to append, or why not. Pure: the state is not changed.
 * A contract is *ended* for a fact dated D when it was terminated, or its current end is on or before D.
 */
export function decide(command: AccountCommand, state: DecisionState): Decision {
  switch (command.type) {
    case 'RecordFact':
      return recordFact(command.event, state);
    default:
      return unreachable(command.type);
  }
}

function recordFact(event: NewAccountEvent, state: DecisionState): Decision {
  if (event.type === 'AccountOpened') {
    return state.opened ? broken('account_already_opened', `account ${event.accountId} is already open`, 'type') : accept(event);
  }
  if (!state.opened) {
    const message = `account ${event.accountId} has not been opened: send AccountOpened first`;
    return {
      ok: false,
      rejection: { type: 'AccountNotFound', code: 'account_not_found', accountId: event.accountId, field: 'accountId', message },
    };
  }

  switch (event.type) {
    case 'SupportTicketOpened': {
      const { ticketId } = event.data;
      if (state.tickets.has(ticketId))
        return broken('ticket_exists', `ticket ${ticketId} was already opened on this account`, 'data.ticketId');
      return accept(event);
    }
    case 'SupportTicketResolved': {
      const { ticketId } = event.data;
      const ticket = state.tickets.get(ticketId);
      if (!ticket) return broken('ticket_unknown', `ticket ${ticketId} was never opened on this account`, 'data.ticketId');
      if (ticket.resolvedAt !== undefined) return broken('ticket_resolved', `ticket ${ticketId} is already resolved`, 'data.ticketId');
      return accept(event);
    }
    case 'ContractSigned': {
      const { contractId } = event.data;
      if (state.contracts.has(contractId))
        return broken('contract_exists', `contract ${contractId} was already signed on this account`, 'data.contractId');
      return accept(event);
    }
    case 'ContractAmended':
    case 'ContractTerminated': {
      const verb = event.type === 'ContractAmended' ? 'amend' : 'terminate';
      const contract = state.contracts.get(event.data.contractId);
      if (!contract) return unknownContract(event.data.contractId, verb);
      const { effectiveDate } = event.data;
      if (contract.terminated)
        return broken('contract_ended', `cannot ${verb} contract ${contract.contractId}: it was terminated`, 'data.contractId');
      if (effectiveDate >= contract.endDate) {
        const message = `cannot ${verb} contract ${contract.contractId} from ${effectiveDate}: it ends on ${contract.endDate}`;
        return broken('contract_ended', message, 'data.effectiveDate');
      }
      if (effectiveDate < contract.startDate) {
        const message = `effectiveDate ${effectiveDate} is before contract ${contract.contractId} starts (${contract.startDate})`;
        return broken('before_contract_start', message, 'data.effectiveDate');
      }
      return accept(event);
    }
    case 'RenewalOpened': {
      const contract = state.contracts.get(event.data.contractId);
      if (!contract) return unknownContract(event.data.contractId, 'renew');
      if (contract.terminated)
        return broken('contract_ended', `cannot renew contract ${contract.contractId}: it was terminated`, 'data.contractId');
      const { renewalId } = event.data;
      if (state.renewals.has(renewalId))
        return broken('renewal_exists', `renewal ${renewalId} was already opened on this account`, 'data.renewalId');
      return accept(event);
    }
    case 'RenewalWon':
    case 'RenewalLost': {
      const outcome = event.type === 'RenewalWon' ? 'win' : 'lose';
      const renewal = state.renewals.get(event.data.renewalId);
      if (!renewal) {
        return broken(
          'renewal_unknown',
          `cannot ${outcome} renewal ${event.data.renewalId}: it was never opened on this account`,
          'data.renewalId',
        );
      }
      if (renewal.contractId !== event.data.contractId) {
        const message = `renewal ${renewal.renewalId} is for contract ${renewal.contractId}, not ${event.data.contractId}`;
        return broken('renewal_contract_mismatch', message, 'data.contractId');
      }
      if (renewal.outcome) {
        return broken(
          'renewal_closed',
          `cannot ${outcome} renewal ${renewal.renewalId}: it was already ${renewal.outcome.kind}`,
          'data.renewalId',
        );
      }
      if (event.type === 'RenewalLost') return accept(event);
      const contract: ContractState | undefined = state.contracts.get(renewal.contractId);
      if (!contract) return unknownContract(renewal.contractId, 'renew');
      if (contract.terminated) {
        return broken('contract_ended', `cannot win a renewal of contract ${contract.contractId}: it was terminated`, 'data.contractId');
      }
      if (event.data.newEndDate <= contract.endDate) {
        const message = `newEndDate ${event.data.newEndDate} must be after the contract's current end ${contract.endDate}`;
        return broken('new_end_not_after_end', message, 'data.newEndDate');
      }
      return accept(event);
    }
    case 'EventRetracted': {
      const { targetEventId } = event.data;
      if (state.retracted.has(targetEventId))
        return broken('already_retracted', `event ${targetEventId} is already retracted`, 'data.targetEventId');
      const targetType = state.eventTypes.get(targetEventId);
      if (!targetType) {
        return broken(
          'retraction_target_unknown',
          `event ${targetEventId} is not in the stream of account ${event.accountId}`,
          'data.targetEventId',
        );
      }
      if (targetType === 'EventRetracted') {
        return broken('retraction_of_retraction', 'a retraction cannot be retracted: record the fact again instead', 'data.targetEventId');
      }
      return accept(event);
    }
    case 'InteractionLogged': {
      const unknown = (event.data.contactIds ?? []).filter((id) => !state.stakeholders.has(id));
      if (unknown.length > 0) {
        const message =
          `contact(s) ${unknown.join(', ')} were never identified as stakeholders of this account: ` + 'send StakeholderIdentified first';
        return broken('stakeholder_unknown', message, 'data.contactIds');
      }
      return accept(event);
    }
    case 'StakeholderIdentified': {
      const { contactId } = event.data;
      const known = state.stakeholders.get(contactId);
      if (known && known.leftAt === undefined) {
        return broken('stakeholder_exists', `contact ${contactId} is already a stakeholder: send StakeholderChanged`, 'data.contactId');
      }
      return accept(event);
    }
    case 'StakeholderChanged':
    case 'StakeholderLeft': {
      const { contactId } = event.data;
      const known = state.stakeholders.get(contactId);
      if (!known) return broken('stakeholder_unknown', `contact ${contactId} was never identified on this account`, 'data.contactId');
      if (known.leftAt !== undefined) return broken('stakeholder_left', `contact ${contactId} has already left`, 'data.contactId');
      return accept(event);
    }
    case 'AccountGoalSet': {
      const { goalId } = event.data;
      if (state.goals.has(goalId)) return broken('goal_exists', `goal ${goalId} was already set on this account`, 'data.goalId');
      return accept(event);
    }
    case 'AccountGoalClosed': {
      const goal = state.goals.get(event.data.goalId);
      if (!goal) return broken('goal_unknown', `goal ${event.data.goalId} was never set on this account`, 'data.goalId');
      if (goal.closed) return broken('goal_closed', `goal ${goal.goalId} is already closed (${goal.closed.outcome})`, 'data.goalId');
      return accept(event);
    }
    case 'ActionPlanned': {
      const { actionId, goalId } = event.data;
      if (state.actions.has(actionId))
        return broken('action_exists', `action ${actionId} was already planned on this account`, 'data.actionId');
      if (goalId !== undefined) {
        const goal = state.goals.get(goalId);
        if (!goal) return broken('goal_unknown', `goal ${goalId} was never set on this account`, 'data.goalId');
        if (goal.closed)
          return broken('goal_closed', `goal ${goalId} is closed (${goal.closed.outcome}): plan no more actions for it`, 'data.goalId');
      }
      return accept(event);
    }
    case 'ActionCompleted': {
      const action = state.actions.get(event.data.actionId);
      if (!action) return broken('action_unknown', `action ${event.data.actionId} was never planned on this account`, 'data.actionId');
      if (action.completedAt !== undefined)
        return broken('action_completed', `action ${action.actionId} is already completed`, 'data.actionId');
      return accept(event);
    }
    case 'CompetitorCleared': {
      const competitor = state.competitors.get(event.data.competitor);
      if (!competitor || competitor.clearedAt !== undefined) {
        return broken('competitor_unknown', `competitor ${event.data.competitor} is not present on this account`, 'data.competitor');
      }
      return accept(event);
    }
    case 'InvoiceIssued': {
      const { invoiceId } = event.data;
      if (state.invoices.has(invoiceId))
        return broken('invoice_exists', `invoice ${invoiceId} was already issued on this account`, 'data.invoiceId');
      return accept(event);
    }
    case 'InvoicePaid': {
      const invoice = state.invoices.get(event.data.invoiceId);
      if (!invoice) return broken('invoice_unknown', `invoice ${event.data.invoiceId} was never issued on this account`, 'data.invoiceId');
      if (invoice.paidAt !== undefined) return broken('invoice_paid', `invoice ${invoice.invoiceId} is already paid`, 'data.invoiceId');
      return accept(event);
    }
    case 'CadenceAgreed':
    case 'CompetitorDetected':
    case 'KeyAccountAssessed':
    case 'AccountOwnerAssigned':
    case 'KeyAccountDesignated':
    case 'KeyAccountRevoked':
    case 'SurveyResponded':
    case 'UsageReported':
    case 'ReferralGiven':
      return accept(event);
    default:
      return unreachable(event);
  }
}

function unknownContract(contractId: string, verb: string): Decision {
  return broken('contract_unknown', `cannot ${verb} contract ${contractId}: it was never signed on this account`, 'data.contractId');
}
