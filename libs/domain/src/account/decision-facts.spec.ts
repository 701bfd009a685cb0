import { AccountEvent, EVENT_TYPES } from '../events/event-catalog';
import { newAccountEvent, NewAccountEvent } from '../events/event-codec';
import { envelope } from '../testing/envelopes';
import { AccountState, foldAccount } from './account-state';
import { AccountStream } from './account-stream';
import { decide, DECISION_EVENT_TYPES, DecisionState, NON_DECISION_EVENT_TYPES } from './decide';

const ACCOUNT = 'acme';
let day = 0;
const fact = (event: AccountEvent): NewAccountEvent => {
  day += 1;
  return newAccountEvent(envelope(ACCOUNT, event, { occurredAt: new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString() }));
};
const talk = (n: number, contactIds?: string[]): NewAccountEvent =>
  fact({ type: 'InteractionLogged', data: { interactionId: `x-${n}`, channel: 'call', direction: 'inbound', sentiment: 0.1, contactIds } });

/** One account's facts: every type, the figures' facts interleaved with the rest, retractions of both kinds. */
function accountFacts(): { events: NewAccountEvent[]; retractedInvoice: NewAccountEvent; retractedTalk: NewAccountEvent } {
  const retractedInvoice = fact({
    type: 'InvoiceIssued',
    data: { invoiceId: 'inv-2', amount: 900, currency: 'EUR', dueDate: '2026-05-01' },
  });
  const retractedTalk = talk(0);
  const events = [
    fact({ type: 'AccountOpened', data: { name: 'Acme', segment: 'enterprise', ownerId: 'o-1' } }),
    talk(1),
    ...(['c-1', 'c-2'] as const).map((contractId) =>
      fact({
        type: 'ContractSigned',
        data: { contractId, products: ['core'], arr: 1000, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-01-01' },
      }),
    ),
    fact({ type: 'StakeholderIdentified', data: { contactId: 'dm', role: 'decision_maker', influence: 'high' } }),
    fact({ type: 'StakeholderIdentified', data: { contactId: 'champ', role: 'champion' } }),
    fact({ type: 'StakeholderChanged', data: { contactId: 'champ', role: 'sponsor', title: 'VP' } }),
    talk(2, ['dm', 'champ']),
    fact({ type: 'UsageReported', data: { product: 'core', activeUsers: 40, licensedUsers: 100 } }),
    fact({ type: 'SupportTicketOpened', data: { ticketId: 't-1', severity: 'high' } }),
    fact({ type: 'SupportTicketOpened', data: { ticketId: 't-2', severity: 'low' } }),
    fact({ type: 'SupportTicketResolved', data: { ticketId: 't-1' } }),
    fact({ type: 'ContractAmended', data: { contractId: 'c-1', arr: 1200, effectiveDate: '2026-06-01', reason: 'upsell' } }),
    fact({ type: 'RenewalOpened', data: { renewalId: 'r-1', contractId: 'c-1', dueDate: '2026-12-01' } }),
    talk(3),
    fact({ type: 'RenewalWon', data: { renewalId: 'r-1', contractId: 'c-1', newEndDate: '2028-01-01', arr: 1500 } }),
    fact({ type: 'RenewalOpened', data: { renewalId: 'r-2', contractId: 'c-2', dueDate: '2026-12-01' } }),
    fact({ type: 'RenewalLost', data: { renewalId: 'r-2', contractId: 'c-2', reason: 'no_budget' } }),
    fact({ type: 'ContractTerminated', data: { contractId: 'c-2', effectiveDate: '2026-09-01' } }),
    fact({ type: 'AccountGoalSet', data: { goalId: 'g-1', description: 'Roll out', dueDate: '2026-10-01' } }),
    fact({ type: 'AccountGoalSet', data: { goalId: 'g-2', description: 'Pilot', dueDate: '2026-08-01' } }),
    fact({ type: 'AccountGoalClosed', data: { goalId: 'g-2', outcome: 'achieved' } }),
    fact({
      type: 'ActionPlanned',
      data: { actionId: 'a-1', goalId: 'g-1', description: 'Workshop', ownerId: 'o-1', dueDate: '2026-04-01' },
    }),
    fact({ type: 'ActionPlanned', data: { actionId: 'a-2', description: 'Call', ownerId: 'o-1', dueDate: '2026-05-01' } }),
    fact({ type: 'ActionCompleted', data: { actionId: 'a-1' } }),
    fact({ type: 'CompetitorDetected', data: { competitor: 'Rival', threat: 'high' } }),
    fact({ type: 'CompetitorCleared', data: { competitor: 'Rival' } }),
    fact({ type: 'CompetitorDetected', data: { competitor: 'Other', threat: 'low' } }),
    fact({ type: 'InvoiceIssued', data: { invoiceId: 'inv-1', amount: 500, currency: 'EUR', dueDate: '2026-04-01' } }),
    retractedInvoice,
    fact({ type: 'InvoicePaid', data: { invoiceId: 'inv-1' } }),
    retractedTalk,
    fact({ type: 'StakeholderLeft', data: { contactId: 'dm', reason: 'moved on' } }),
    fact({ type: 'SurveyResponded', data: { surveyId: 's-1', kind: 'nps', score: 8 } }),
    fact({ type: 'ReferralGiven', data: { referredCompany: 'Globex' } }),
    fact({ type: 'AccountOwnerAssigned', data: { ownerId: 'o-2' } }),
    fact({ type: 'KeyAccountDesignated', data: { reason: 'strategic' } }),
    fact({ type: 'KeyAccountRevoked', data: {} }),
    fact({ type: 'CadenceAgreed', data: { touchEveryDays: 14, reviewEveryDays: 90 } }),
    fact({ type: 'KeyAccountAssessed', data: { strategicValue: 4, logoValue: 3 } }),
    fact({ type: 'EventRetracted', data: { targetEventId: retractedInvoice.eventId, reason: 'issued twice' } }),
    fact({ type: 'EventRetracted', data: { targetEventId: retractedTalk.eventId, reason: 'wrong account' } }),
    talk(4, ['champ']),
  ];
  return { events, retractedInvoice, retractedTalk };
}

/** What decide reads, but the ids of every event folded (which only a retraction's rules read). */
const DECIDED_ON = [
  'accountId',
  'opened',
  'tickets',
  'contracts',
  'renewals',
  'stakeholders',
  'goals',
  'actions',
  'competitors',
  'invoices',
  'retracted',
] as const satisfies ReadonlyArray<keyof DecisionState>;
// Fails to compile when DecisionState gains a field that this spec does not compare.
const everyFieldCompared: [Exclude<keyof DecisionState, (typeof DECIDED_ON)[number] | 'eventTypes'>] extends [never] ? true : never = true;

function decisionView(state: DecisionState): Partial<DecisionState> {
  expect(everyFieldCompared).toBe(true);
  return Object.fromEntries(DECIDED_ON.map((key) => [key, state[key]]));
}

const decisionFactsOnly = (events: NewAccountEvent[]) => events.filter((e) => DECISION_EVENT_TYPES.includes(e.type));

describe('the facts decisions depend on', () => {
  const { events, retractedInvoice, retractedTalk } = accountFacts();
  const whole = foldAccount(ACCOUNT, events);
  const decisions = foldAccount(ACCOUNT, decisionFactsOnly(events));

  it('are every event type but the figures’ facts, and the fixture holds every type', () => {
    expect([...DECISION_EVENT_TYPES, ...NON_DECISION_EVENT_TYPES].sort()).toEqual([...EVENT_TYPES].sort());
    expect(DECISION_EVENT_TYPES.filter((type) => NON_DECISION_EVENT_TYPES.includes(type))).toEqual([]);
    expect(new Set(events.map((e) => e.type))).toEqual(new Set(EVENT_TYPES));
  });

  it('fold, after every prefix of the stream, into what the whole stream folds into for decide', () => {
    for (let n = 1; n <= events.length; n++) {
      const prefix = events.slice(0, n);
      expect(decisionView(foldAccount(ACCOUNT, decisionFactsOnly(prefix)))).toEqual(decisionView(foldAccount(ACCOUNT, prefix)));
    }
    expect(whole.interactions.length).toBeGreaterThan(0);
    expect(decisions.interactions).toEqual([]);
  });

  it('decide every fact but a retraction of a figures’ fact as the whole stream does', () => {
    const candidates: AccountEvent[] = [
      { type: 'AccountOpened', data: { name: 'Acme', segment: 'enterprise' } },
      { type: 'SupportTicketOpened', data: { ticketId: 't-1', severity: 'low' } },
      { type: 'SupportTicketOpened', data: { ticketId: 't-3', severity: 'low' } },
      ...['t-1', 't-2', 't-9'].map((ticketId): AccountEvent => ({ type: 'SupportTicketResolved', data: { ticketId } })),
      ...['c-1', 'c-3'].map((contractId): AccountEvent => ({
        type: 'ContractSigned',
        data: { contractId, products: ['core'], arr: 1, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-01-01' },
      })),
      ...['c-1', 'c-2', 'c-9'].map((contractId): AccountEvent => ({
        type: 'ContractTerminated',
        data: { contractId, effectiveDate: '2026-10-01' },
      })),
      { type: 'ContractAmended', data: { contractId: 'c-1', arr: 2000, effectiveDate: '2027-06-01', reason: 'upsell' } },
      { type: 'ContractAmended', data: { contractId: 'c-1', arr: 2000, effectiveDate: '2028-06-01', reason: 'upsell' } },
      { type: 'RenewalOpened', data: { renewalId: 'r-1', contractId: 'c-1', dueDate: '2027-12-01' } },
      { type: 'RenewalOpened', data: { renewalId: 'r-3', contractId: 'c-2', dueDate: '2027-12-01' } },
      { type: 'RenewalWon', data: { renewalId: 'r-1', contractId: 'c-1', newEndDate: '2029-01-01', arr: 1 } },
      { type: 'RenewalLost', data: { renewalId: 'r-9', contractId: 'c-1', reason: 'no_budget' } },
      ...['dm', 'champ', 'new'].map((contactId): AccountEvent => ({ type: 'StakeholderIdentified', data: { contactId, role: 'user' } })),
      ...['dm', 'champ', 'ghost'].map((contactId): AccountEvent => ({ type: 'StakeholderLeft', data: { contactId } })),
      { type: 'StakeholderChanged', data: { contactId: 'dm', title: 'CFO' } },
      ...[['champ'], ['dm'], ['ghost']].map((contactIds): AccountEvent => ({
        type: 'InteractionLogged',
        data: { interactionId: 'y', channel: 'email', direction: 'outbound', contactIds },
      })),
      ...['g-1', 'g-2', 'g-9'].map((goalId): AccountEvent => ({ type: 'AccountGoalClosed', data: { goalId, outcome: 'missed' } })),
      { type: 'AccountGoalSet', data: { goalId: 'g-1', description: 'Again', dueDate: '2026-10-01' } },
      ...['g-1', 'g-2', 'g-9'].map((goalId): AccountEvent => ({
        type: 'ActionPlanned',
        data: { actionId: 'a-3', goalId, description: 'More', ownerId: 'o-1', dueDate: '2026-11-01' },
      })),
      ...['a-1', 'a-2', 'a-9'].map((actionId): AccountEvent => ({ type: 'ActionCompleted', data: { actionId } })),
      ...['Rival', 'Other'].map((competitor): AccountEvent => ({ type: 'CompetitorCleared', data: { competitor } })),
      ...['inv-1', 'inv-2'].map((invoiceId): AccountEvent => ({
        type: 'InvoiceIssued',
        data: { invoiceId, amount: 1, currency: 'EUR', dueDate: '2026-12-01' },
      })),
      ...['inv-1', 'inv-2', 'inv-3'].map((invoiceId): AccountEvent => ({ type: 'InvoicePaid', data: { invoiceId } })),
      { type: 'UsageReported', data: { product: 'core', activeUsers: 1, licensedUsers: 2 } },
      { type: 'KeyAccountAssessed', data: { strategicValue: 1, logoValue: 1 } },
      ...[retractedInvoice, events[4]].map((target): AccountEvent => ({
        type: 'EventRetracted',
        data: { targetEventId: target.eventId, reason: 'test' },
      })),
    ];
    const outcomes = candidates.map((candidate) => {
      const command = { type: 'RecordFact' as const, event: newAccountEvent(envelope(ACCOUNT, candidate)) };
      const [onWhole, onDecisions] = [decide(command, whole), decide(command, decisions)];
      expect(onDecisions).toEqual(onWhole);
      return onWhole.ok;
    });
    // Both kinds of outcome are compared, not just acceptances.
    expect(outcomes.filter((ok) => ok).length).toBeGreaterThan(10);
    expect(outcomes.filter((ok) => !ok).length).toBeGreaterThan(10);

    // A retraction may name a figures' fact, which only the whole stream knows: a writer reads the stream whole for it.
    const talkAgain = fact({ type: 'InteractionLogged', data: { interactionId: 'z', channel: 'call', direction: 'inbound' } });
    const retract = newAccountEvent(
      envelope(ACCOUNT, { type: 'EventRetracted', data: { targetEventId: talkAgain.eventId, reason: 'test' } }),
    );
    const withTalk = [...events, talkAgain];
    expect(decide({ type: 'RecordFact', event: retract }, foldAccount(ACCOUNT, withTalk)).ok).toBe(true);
    expect(decide({ type: 'RecordFact', event: retract }, foldAccount(ACCOUNT, decisionFactsOnly(withTalk)))).toMatchObject({
      ok: false,
      rejection: { code: 'retraction_target_unknown' },
    });
    expect(retractedTalk.type).toBe('InteractionLogged');
  });

  it('are all that a stream held as its decisions’ state keeps and folds; a retraction needs it whole', () => {
    const held = AccountStream.ofDecisions(ACCOUNT, events, events.length - 1);
    expect(held.size).toBe(decisionFactsOnly(events).length);
    expect(held.refoldable).toBe(false);
    expect(decisionView(held.state)).toEqual(decisionView(whole));

    held.append([talk(5), fact({ type: 'SupportTicketOpened', data: { ticketId: 't-5', severity: 'urgent' } })]);
    expect(held.size).toBe(decisionFactsOnly(events).length + 1);
    expect(held.state.tickets.get('t-5')).toMatchObject({ severity: 'urgent' });
    expect((held.state as AccountState).interactions).toEqual([]);

    const retraction = fact({ type: 'EventRetracted', data: { targetEventId: events[1].eventId, reason: 'test' } });
    expect(() => held.append([retraction])).toThrow(/read it whole/);

    const readWhole = new AccountStream(ACCOUNT, events, events.length - 1);
    readWhole.append([retraction]);
    expect(readWhole.state.retracted.has(events[1].eventId)).toBe(true);
    const decided = decisionView(readWhole.state);

    // Kept afterwards by a holder of many streams: the same decisions' state, without the figures' facts.
    readWhole.compact();
    expect(readWhole.size).toBe(decisionFactsOnly(events).length + 1);
    expect((readWhole.state as AccountState).interactions).toEqual([]);
    expect(decisionView(readWhole.state)).toEqual(decided);
  });
});
