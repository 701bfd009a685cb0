import { EventEnvelope } from '../events/envelope';
import { AccountNotFoundError, AccountRuleError } from './account-errors';
import { AccountHistory } from './account-history';

/**
 * The rules an account's state puts on a new fact. Returns normally when the fact may be appended,
 * throws `AccountNotFoundError` or `AccountRuleError` when not. Pure: the history is not changed.
 *
 * A contract is *ended* for a fact dated D when it was terminated, or its current end is on or before D.
 */
export function decide(history: AccountHistory, envelope: EventEnvelope): void {
  const state = history.state;
  if (envelope.type === 'AccountOpened') {
    if (state.opened) throw new AccountRuleError('account_already_opened', `account ${envelope.accountId} is already open`, 'type');
    return;
  }
  if (!state.opened) throw new AccountNotFoundError(envelope.accountId);

  switch (envelope.type) {
    case 'SupportTicketOpened': {
      if (state.tickets.has(envelope.data.ticketId)) {
        throw new AccountRuleError('ticket_exists', `ticket ${envelope.data.ticketId} was already opened on this account`, 'data.ticketId');
      }
      return;
    }
    case 'SupportTicketResolved': {
      const ticket = state.tickets.get(envelope.data.ticketId);
      if (!ticket) throw new AccountRuleError('ticket_unknown', `ticket ${envelope.data.ticketId} was never opened on this account`, 'data.ticketId');
      if (!ticket.open) throw new AccountRuleError('ticket_resolved', `ticket ${envelope.data.ticketId} is already resolved`, 'data.ticketId');
      return;
    }
    case 'ContractSigned': {
      if (state.contracts.has(envelope.data.contractId)) {
        throw new AccountRuleError('contract_exists', `contract ${envelope.data.contractId} was already signed on this account`, 'data.contractId');
      }
      return;
    }
    case 'ContractAmended':
    case 'ContractTerminated': {
      const verb = envelope.type === 'ContractAmended' ? 'amend' : 'terminate';
      const contract = existingContract(history, envelope.data.contractId, verb);
      const { effectiveDate } = envelope.data;
      if (contract.terminated) {
        throw new AccountRuleError('contract_ended', `cannot ${verb} contract ${contract.contractId}: it was terminated`, 'data.contractId');
      }
      if (effectiveDate >= contract.endDate) {
        throw new AccountRuleError(
          'contract_ended',
          `cannot ${verb} contract ${contract.contractId} from ${effectiveDate}: it ends on ${contract.endDate}`,
          'data.effectiveDate',
        );
      }
      if (effectiveDate < contract.startDate) {
        throw new AccountRuleError(
          'before_contract_start',
          `effectiveDate ${effectiveDate} is before contract ${contract.contractId} starts (${contract.startDate})`,
          'data.effectiveDate',
        );
      }
      return;
    }
    case 'RenewalOpened': {
      const contract = existingContract(history, envelope.data.contractId, 'renew');
      if (contract.terminated) {
        throw new AccountRuleError('contract_ended', `cannot renew contract ${contract.contractId}: it was terminated`, 'data.contractId');
      }
      if (state.renewals.has(envelope.data.renewalId)) {
        throw new AccountRuleError('renewal_exists', `renewal ${envelope.data.renewalId} was already opened on this account`, 'data.renewalId');
      }
      return;
    }
    case 'RenewalWon':
    case 'RenewalLost': {
      const outcome = envelope.type === 'RenewalWon' ? 'win' : 'lose';
      const renewal = state.renewals.get(envelope.data.renewalId);
      if (!renewal) {
        throw new AccountRuleError('renewal_unknown', `cannot ${outcome} renewal ${envelope.data.renewalId}: it was never opened on this account`, 'data.renewalId');
      }
      if (renewal.contractId !== envelope.data.contractId) {
        throw new AccountRuleError(
          'renewal_contract_mismatch',
          `renewal ${renewal.renewalId} is for contract ${renewal.contractId}, not ${envelope.data.contractId}`,
          'data.contractId',
        );
      }
      if (renewal.status !== 'open') {
        throw new AccountRuleError('renewal_closed', `cannot ${outcome} renewal ${renewal.renewalId}: it was already ${renewal.status}`, 'data.renewalId');
      }
      if (envelope.type === 'RenewalWon') {
        const contract = existingContract(history, renewal.contractId, 'renew');
        if (contract.terminated) {
          throw new AccountRuleError('contract_ended', `cannot win a renewal of contract ${contract.contractId}: it was terminated`, 'data.contractId');
        }
        if (envelope.data.newEndDate <= contract.endDate) {
          throw new AccountRuleError(
            'new_end_not_after_end',
            `newEndDate ${envelope.data.newEndDate} must be after the contract's current end ${contract.endDate}`,
            'data.newEndDate',
          );
        }
      }
      return;
    }
    case 'EventRetracted': {
      const { targetEventId } = envelope.data;
      const targetType = history.typeOf(targetEventId);
      if (!targetType) {
        throw new AccountRuleError('retraction_target_unknown', `event ${targetEventId} is not in the stream of account ${envelope.accountId}`, 'data.targetEventId');
      }
      if (targetType === 'EventRetracted') {
        throw new AccountRuleError('retraction_of_retraction', 'a retraction cannot be retracted: record the fact again instead', 'data.targetEventId');
      }
      if (history.isRetracted(targetEventId)) {
        throw new AccountRuleError('already_retracted', `event ${targetEventId} is already retracted`, 'data.targetEventId');
      }
      return;
    }
    case 'AccountOwnerAssigned':
    case 'KeyAccountDesignated':
    case 'KeyAccountRevoked':
    case 'InteractionLogged':
    case 'SurveyResponded':
    case 'UsageReported':
    case 'ReferralGiven':
      return;
  }
}

function existingContract(history: AccountHistory, contractId: string, verb: string) {
  const contract = history.state.contracts.get(contractId);
  if (!contract) {
    throw new AccountRuleError('contract_unknown', `cannot ${verb} contract ${contractId}: it was never signed on this account`, 'data.contractId');
  }
  return contract;
}
