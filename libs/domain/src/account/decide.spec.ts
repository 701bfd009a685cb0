import { AccountEvent } from '../events/event-catalog';
import { EventEnvelope } from '../events/envelope';
import { newAccountEvent } from '../events/event-codec';
import { eventIdFor } from '../events/event-identity';
import { envelope } from '../testing/envelopes';
import { foldAccount } from './account-state';
import { AccountStream } from './account-stream';
import { decide, Decision } from './decide';

const ACCOUNT = 'acme';
const opened: AccountEvent = { type: 'AccountOpened', data: { name: 'Acme', segment: 'enterprise' } };
const signed: AccountEvent = {
  type: 'ContractSigned',
  data: { contractId: 'c-1', products: ['core'], arr: 1000, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-01-01' },
};

/** given(events).when(fact) → .accepted() (the fact is the one event to append) | .rejected(code) | .notFound() */
function given(...events: Array<AccountEvent | EventEnvelope>) {
  const state = foldAccount(
    ACCOUNT,
    events.map((e) => newAccountEvent('accountId' in e ? e : envelope(ACCOUNT, e))),
  );
  return {
    when(event: AccountEvent) {
      const fact = newAccountEvent(envelope(ACCOUNT, event));
      const decision: Decision = decide({ type: 'RecordFact', event: fact }, state);
      return {
        accepted: () => expect(decision).toEqual({ ok: true, events: [fact] }),
        rejected: (code: string) => expect(decision).toMatchObject({ ok: false, rejection: { type: 'RuleBroken', code } }),
        notFound: () =>
          expect(decision).toMatchObject({
            ok: false,
            rejection: { type: 'AccountNotFound', code: 'account_not_found', field: 'accountId' },
          }),
      };
    },
  };
}

describe('decide', () => {
  it('refuses every fact but AccountOpened on an unopened account', () => {
    given()
      .when({ type: 'InteractionLogged', data: { interactionId: 'i', channel: 'call', direction: 'inbound' } })
      .notFound();
    given().when(signed).notFound();
    given().when(opened).accepted();
    given(opened).when(opened).rejected('account_already_opened');
  });

  it('amends and terminates only known contracts that have not ended', () => {
    const amend = (effectiveDate: string, contractId = 'c-1'): AccountEvent => ({
      type: 'ContractAmended',
      data: { contractId, arr: 1200, effectiveDate, reason: 'upsell' },
    });
    given(opened).when(amend('2026-06-01')).rejected('contract_unknown');
    given(opened, signed).when(amend('2026-06-01')).accepted();
    given(opened, signed).when(amend('2027-01-01')).rejected('contract_ended');
    given(opened, signed).when(amend('2025-12-31')).rejected('before_contract_start');
    const terminated: AccountEvent = { type: 'ContractTerminated', data: { contractId: 'c-1', effectiveDate: '2026-07-01' } };
    given(opened, signed).when(terminated).accepted();
    given(opened, signed, terminated).when(amend('2026-03-01')).rejected('contract_ended');
    given(opened, signed, terminated).when(terminated).rejected('contract_ended');
    given(opened).when(terminated).rejected('contract_unknown');
    given(opened, signed).when(signed).rejected('contract_exists');
  });

  it('lets a won renewal move the end, so the contract can be amended after its first end date', () => {
    const renewal: AccountEvent = { type: 'RenewalOpened', data: { renewalId: 'r-1', contractId: 'c-1', dueDate: '2026-12-01' } };
    const won: AccountEvent = { type: 'RenewalWon', data: { renewalId: 'r-1', contractId: 'c-1', newEndDate: '2028-01-01', arr: 1100 } };
    given(opened, signed, renewal, won)
      .when({ type: 'ContractAmended', data: { contractId: 'c-1', arr: 1500, effectiveDate: '2027-06-01', reason: 'upsell' } })
      .accepted();
  });

  it('resolves only tickets opened on the account, once', () => {
    const openTicket: AccountEvent = { type: 'SupportTicketOpened', data: { ticketId: 't-1', severity: 'high' } };
    const resolve: AccountEvent = { type: 'SupportTicketResolved', data: { ticketId: 't-1' } };
    given(opened).when(resolve).rejected('ticket_unknown');
    given(opened, openTicket).when(resolve).accepted();
    given(opened, openTicket, resolve).when(resolve).rejected('ticket_resolved');
    given(opened, openTicket).when(openTicket).rejected('ticket_exists');
  });

  it('wins or loses only open renewals of the right contract', () => {
    const renewal: AccountEvent = { type: 'RenewalOpened', data: { renewalId: 'r-1', contractId: 'c-1', dueDate: '2026-12-01' } };
    const won: AccountEvent = { type: 'RenewalWon', data: { renewalId: 'r-1', contractId: 'c-1', newEndDate: '2028-01-01', arr: 1100 } };
    const lost: AccountEvent = { type: 'RenewalLost', data: { renewalId: 'r-1', contractId: 'c-1', reason: 'price' } };
    given(opened, signed).when(won).rejected('renewal_unknown');
    given(opened, signed).when(lost).rejected('renewal_unknown');
    given(opened, signed)
      .when({ type: 'RenewalOpened', data: { renewalId: 'r-1', contractId: 'c-9', dueDate: '2026-12-01' } })
      .rejected('contract_unknown');
    given(opened, signed, renewal).when(won).accepted();
    given(opened, signed, renewal).when(lost).accepted();
    given(opened, signed, renewal, won).when(lost).rejected('renewal_closed');
    given(opened, signed, renewal, lost).when(won).rejected('renewal_closed');
    given(opened, signed, renewal).when(renewal).rejected('renewal_exists');
    given(opened, signed, renewal)
      .when({ type: 'RenewalWon', data: { renewalId: 'r-1', contractId: 'c-1', newEndDate: '2026-12-31', arr: 1 } })
      .rejected('new_end_not_after_end');
    given(opened, signed, { type: 'ContractSigned', data: { ...(signed.data as object), contractId: 'c-2' } } as AccountEvent, renewal)
      .when({ type: 'RenewalLost', data: { renewalId: 'r-1', contractId: 'c-2', reason: 'price' } })
      .rejected('renewal_contract_mismatch');
  });

  it('retracts only events of the stream, once, and never a retraction', () => {
    const openedEnvelope = envelope(ACCOUNT, opened);
    const signedEnvelope = envelope(ACCOUNT, signed);
    const signedId = eventIdFor(signedEnvelope.source);
    const retract = (targetEventId: string): AccountEvent => ({ type: 'EventRetracted', data: { targetEventId, reason: 'typo' } });
    given(openedEnvelope, signedEnvelope).when(retract(signedId)).accepted();
    given(openedEnvelope, signedEnvelope).when(retract('00000000-0000-0000-0000-000000000000')).rejected('retraction_target_unknown');
    const retraction = envelope(ACCOUNT, retract(signedId));
    given(openedEnvelope, signedEnvelope, retraction).when(retract(signedId)).rejected('already_retracted');
    given(openedEnvelope, signedEnvelope, retraction)
      .when(retract(eventIdFor(retraction.source)))
      .rejected('retraction_of_retraction');
  });

  it('knows stakeholders before interactions name them, and lets each leave once', () => {
    const champion: AccountEvent = { type: 'StakeholderIdentified', data: { contactId: 'p-1', name: 'Ada', role: 'champion' } };
    const met = (contactIds: string[]): AccountEvent => ({
      type: 'InteractionLogged',
      data: { interactionId: 'i', channel: 'meeting', direction: 'outbound', contactIds },
    });
    const left: AccountEvent = { type: 'StakeholderLeft', data: { contactId: 'p-1', reason: 'moved on' } };
    const promoted: AccountEvent = { type: 'StakeholderChanged', data: { contactId: 'p-1', role: 'sponsor' } };
    given(opened).when(champion).accepted();
    given(opened, champion).when(champion).rejected('stakeholder_exists');
    given(opened)
      .when(met(['p-1']))
      .rejected('stakeholder_unknown');
    given(opened, champion)
      .when(met(['p-1']))
      .accepted();
    given(opened, champion)
      .when(met(['p-1', 'p-2']))
      .rejected('stakeholder_unknown');
    given(opened).when(promoted).rejected('stakeholder_unknown');
    given(opened, champion).when(promoted).accepted();
    given(opened).when(left).rejected('stakeholder_unknown');
    given(opened, champion).when(left).accepted();
    given(opened, champion, left).when(left).rejected('stakeholder_left');
    given(opened, champion, left).when(promoted).rejected('stakeholder_left');
    // Someone who left may come back, identified again.
    given(opened, champion, left).when(champion).accepted();
  });

  it('plans actions under open goals only, and closes goals and completes actions once', () => {
    const goal: AccountEvent = { type: 'AccountGoalSet', data: { goalId: 'g', description: 'Expand to EMEA', dueDate: '2026-12-31' } };
    const action = (goalId?: string): AccountEvent => ({
      type: 'ActionPlanned',
      data: { actionId: 'a', description: 'Book the QBR', ownerId: 'am-1', dueDate: '2026-09-30', ...(goalId ? { goalId } : {}) },
    });
    const closed: AccountEvent = { type: 'AccountGoalClosed', data: { goalId: 'g', outcome: 'achieved' } };
    const done: AccountEvent = { type: 'ActionCompleted', data: { actionId: 'a' } };
    given(opened).when(goal).accepted();
    given(opened, goal).when(goal).rejected('goal_exists');
    given(opened).when(closed).rejected('goal_unknown');
    given(opened, goal).when(closed).accepted();
    given(opened, goal, closed).when(closed).rejected('goal_closed');
    given(opened).when(action()).accepted();
    given(opened).when(action('g')).rejected('goal_unknown');
    given(opened, goal).when(action('g')).accepted();
    given(opened, goal, closed).when(action('g')).rejected('goal_closed');
    given(opened, action()).when(action()).rejected('action_exists');
    given(opened).when(done).rejected('action_unknown');
    given(opened, action()).when(done).accepted();
    given(opened, action(), done).when(done).rejected('action_completed');
  });

  it('clears only competitors present, and pays only invoices issued and unpaid', () => {
    const detected: AccountEvent = { type: 'CompetitorDetected', data: { competitor: 'Rival', threat: 'high' } };
    const cleared: AccountEvent = { type: 'CompetitorCleared', data: { competitor: 'Rival' } };
    given(opened).when(cleared).rejected('competitor_unknown');
    given(opened, detected).when(cleared).accepted();
    given(opened, detected, cleared).when(cleared).rejected('competitor_unknown');
    given(opened, detected, cleared).when(detected).accepted();
    const issued: AccountEvent = { type: 'InvoiceIssued', data: { invoiceId: 'inv', amount: 500, currency: 'EUR', dueDate: '2026-04-30' } };
    const paid: AccountEvent = { type: 'InvoicePaid', data: { invoiceId: 'inv' } };
    given(opened).when(paid).rejected('invoice_unknown');
    given(opened, issued).when(issued).rejected('invoice_exists');
    given(opened, issued).when(paid).accepted();
    given(opened, issued, paid).when(paid).rejected('invoice_paid');
    given(opened)
      .when({ type: 'CadenceAgreed', data: { touchEveryDays: 14, reviewEveryDays: 90 } })
      .accepted();
    given(opened)
      .when({ type: 'KeyAccountAssessed', data: { strategicValue: 4, logoValue: 5 } })
      .accepted();
  });

  it('folds as if a retracted event never happened', () => {
    const openedEnvelope = envelope(ACCOUNT, opened);
    const signedEnvelope = envelope(ACCOUNT, signed);
    const retraction = envelope(ACCOUNT, {
      type: 'EventRetracted',
      data: { targetEventId: eventIdFor(signedEnvelope.source), reason: 'wrong account' },
    });
    given(openedEnvelope, signedEnvelope, retraction)
      .when({ type: 'ContractAmended', data: { contractId: 'c-1', arr: 5, effectiveDate: '2026-02-01', reason: 'downgrade' } })
      .rejected('contract_unknown');
    // The contract can be signed again: the retracted signing no longer counts.
    given(openedEnvelope, signedEnvelope, retraction).when(signed).accepted();
    const retractOpening = envelope(ACCOUNT, {
      type: 'EventRetracted',
      data: { targetEventId: eventIdFor(openedEnvelope.source), reason: 'duplicate account' },
    });
    given(openedEnvelope, retractOpening).when(signed).notFound();
  });
});

describe('foldAccount', () => {
  it('folds contracts through amendment, renewal and termination', () => {
    const state = foldAccount(
      ACCOUNT,
      [
        opened,
        signed,
        {
          type: 'ContractAmended',
          data: { contractId: 'c-1', arr: 1500, products: ['core', 'bi'], effectiveDate: '2026-05-01', reason: 'cross_sell' },
        },
        { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c-1', dueDate: '2026-11-01' } },
        { type: 'RenewalWon', data: { renewalId: 'r', contractId: 'c-1', newEndDate: '2028-01-01', arr: 1600 } },
        { type: 'ContractTerminated', data: { contractId: 'c-1', effectiveDate: '2027-03-01' } },
      ].map((e) => newAccountEvent(envelope(ACCOUNT, e as AccountEvent))),
    );
    expect(state.contracts.get('c-1')).toMatchObject({
      contractId: 'c-1',
      currency: 'EUR',
      arr: 1600,
      products: ['core', 'bi'],
      startDate: '2026-01-01',
      endDate: '2027-03-01',
      terminated: true,
    });
    expect(state.renewals.get('r')?.outcome?.kind).toBe('won');
    expect(state.segment).toBe('enterprise');
  });
});

describe('AccountStream', () => {
  it('decides each command on the state left by the ones before it, a retraction included', () => {
    const stream = new AccountStream(ACCOUNT, [], -1);
    const openedEvent = newAccountEvent(envelope(ACCOUNT, opened));
    const signedEvent = newAccountEvent(envelope(ACCOUNT, signed));
    stream.append([openedEvent, signedEvent]);
    expect(stream.state.contracts.has('c-1')).toBe(true);
    stream.append([
      newAccountEvent(envelope(ACCOUNT, { type: 'EventRetracted', data: { targetEventId: signedEvent.eventId, reason: 'typo' } })),
    ]);
    expect(stream.state.contracts.has('c-1')).toBe(false);
    expect(decide({ type: 'RecordFact', event: newAccountEvent(envelope(ACCOUNT, signed)) }, stream.state)).toMatchObject({ ok: true });
  });
});
