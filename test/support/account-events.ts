import { randomUUID } from 'node:crypto';
import { accountStreamId, AccountEvent, decodeEvent, encodeEvent, newAccountEvent, StoredAccountEvent } from '@rapport/domain';
import { EventStore, NewEvent } from '@rapport/event-store';

/** Appends facts to an account's stream as ingest stores them (through the codec, with the derived id). */
export async function appendFacts(store: EventStore, accountId: string, facts: Array<[string, AccountEvent]>): Promise<NewEvent[]> {
  const events: NewEvent[] = facts.map(([occurredAt, fact]) => {
    const source = { system: 'test', eventId: randomUUID() };
    return encodeEvent(newAccountEvent({ ...fact, accountId, occurredAt, source }));
  });
  await store.append([{ streamId: accountStreamId(accountId), expectedVersion: 'any', events }]);
  return events;
}

/** Facts as the store gives them back, decoded: an account's stream from version 0, at global positions from `first`. */
export function storedFacts(accountId: string, facts: Array<[string, AccountEvent]>, first: number): StoredAccountEvent[] {
  return facts.map(([occurredAt, fact], version) =>
    decodeEvent({
      ...encodeEvent(newAccountEvent({ ...fact, accountId, occurredAt, source: { system: 'test', eventId: `${accountId}-${version}` } })),
      streamId: accountStreamId(accountId),
      version,
      globalPosition: first + version,
      recordedAt: new Date(occurredAt),
    }),
  );
}

/** A year of a realistic account: opening, a contract with an amendment, renewal, interactions, surveys, usage, tickets. */
export function aYearOf(seed: number): Array<[string, AccountEvent]> {
  const day = (d: number, h = 10) => new Date(Date.UTC(2025, 10, 1, h) + d * 86_400_000).toISOString();
  const facts: Array<[string, AccountEvent]> = [
    [
      day(0),
      {
        type: 'AccountOpened',
        data: { name: `Account ${seed}`, segment: (['enterprise', 'mid_market', 'smb'] as const)[seed % 3], ownerId: `owner-${seed % 4}` },
      },
    ],
    [
      day(1),
      {
        type: 'ContractSigned',
        data: {
          contractId: 'c1',
          products: seed % 2 ? ['core'] : ['core', 'bi'],
          arr: 10_000 + seed * 1_000,
          currency: seed % 5 === 0 ? 'USD' : 'EUR',
          startDate: '2025-11-15',
          endDate: '2026-11-15',
        },
      },
    ],
  ];
  for (let d = 3; d < 380; d += 9 + (seed % 7)) {
    facts.push([
      day(d),
      {
        type: 'InteractionLogged',
        data: {
          interactionId: `i-${d}`,
          channel: 'meeting',
          direction: 'outbound',
          sentiment: ((seed * d) % 11) / 10 - 0.5,
          executiveInvolved: d % 5 === 0,
        },
      },
    ]);
  }
  facts.push([day(60), { type: 'UsageReported', data: { product: 'core', activeUsers: 60 + (seed % 40), licensedUsers: 100 } }]);
  facts.push([day(200), { type: 'UsageReported', data: { product: 'core', activeUsers: 40 + (seed % 60), licensedUsers: 100 } }]);
  facts.push([day(90), { type: 'SurveyResponded', data: { surveyId: 's1', kind: 'nps', score: seed % 11 } }]);
  facts.push([day(100), { type: 'SupportTicketOpened', data: { ticketId: 't1', severity: seed % 3 === 0 ? 'urgent' : 'high' } }]);
  if (seed % 2) facts.push([day(103), { type: 'SupportTicketResolved', data: { ticketId: 't1' } }]);
  facts.push([
    day(150),
    {
      type: 'ContractAmended',
      data: { contractId: 'c1', arr: 10_000 + seed * 1_200, effectiveDate: '2026-04-01', reason: seed % 3 ? 'upsell' : 'downgrade' },
    },
  ]);
  facts.push([day(300), { type: 'RenewalOpened', data: { renewalId: 'r1', contractId: 'c1', dueDate: '2026-11-01' } }]);
  if (seed % 4 === 1) facts.push([day(340), { type: 'RenewalLost', data: { renewalId: 'r1', contractId: 'c1', reason: 'competitor' } }]);
  else if (seed % 4 === 2)
    facts.push([
      day(340),
      { type: 'RenewalWon', data: { renewalId: 'r1', contractId: 'c1', newEndDate: '2027-11-15', arr: 12_000 + seed * 1_000 } },
    ]);
  return facts.sort(([a], [b]) => a.localeCompare(b));
}

const practiceDay = (d: number) => new Date(Date.UTC(2025, 10, 1, 11) + d * 86_400_000).toISOString();
const date = (d: number) => practiceDay(d).slice(0, 10);

/**
 * Key-account practice beside aYearOf's facts: who is who, a cadence, a goal with its actions, an invoice (paid late
 * or never for some seeds), an assessment; seeds divisible by 10 are key accounts, by 15 face a competitor, by 20 lose
 * their champion. Dates fall within aYearOf's year, in an order the rules accept; not sorted (see withPractice).
 */
export function keyAccountPractice(seed: number): Array<[string, AccountEvent]> {
  const facts: Array<[string, AccountEvent]> = [
    [
      practiceDay(5),
      { type: 'StakeholderIdentified', data: { contactId: 'dm', name: `CFO ${seed}`, role: 'decision_maker', influence: 'high' } },
    ],
    [practiceDay(5), { type: 'StakeholderIdentified', data: { contactId: 'champ', role: 'champion', influence: 'medium' } }],
    [practiceDay(5), { type: 'StakeholderIdentified', data: { contactId: 'user', role: 'user', influence: 'low' } }],
    [practiceDay(6), { type: 'CadenceAgreed', data: { touchEveryDays: 14 + (seed % 3) * 7, reviewEveryDays: 90 } }],
    [practiceDay(10), { type: 'KeyAccountAssessed', data: { strategicValue: seed % 6, logoValue: (seed >> 1) % 6 } }],
    [practiceDay(20), { type: 'AccountGoalSet', data: { goalId: 'g1', description: 'Roll out to every region', dueDate: date(300) } }],
    [
      practiceDay(21),
      {
        type: 'ActionPlanned',
        data: { actionId: 'a1', goalId: 'g1', description: 'Workshop', ownerId: `owner-${seed % 4}`, dueDate: date(60) },
      },
    ],
    [
      practiceDay(21),
      {
        type: 'ActionPlanned',
        data: { actionId: 'a2', goalId: 'g1', description: 'Pilot', ownerId: `owner-${seed % 4}`, dueDate: date(200) },
      },
    ],
    [practiceDay(55), { type: 'ActionCompleted', data: { actionId: 'a1' } }],
    [practiceDay(120), { type: 'InvoiceIssued', data: { invoiceId: 'inv1', amount: 2_500 + seed, currency: 'EUR', dueDate: date(150) } }],
  ];
  if (seed % 3) facts.push([practiceDay(seed % 2 ? 140 : 200), { type: 'InvoicePaid', data: { invoiceId: 'inv1' } }]);
  if (seed % 10 === 0) facts.push([practiceDay(7), { type: 'KeyAccountDesignated', data: { reason: 'strategic' } }]);
  if (seed % 15 === 0) facts.push([practiceDay(200), { type: 'CompetitorDetected', data: { competitor: 'Rival Inc', threat: 'high' } }]);
  if (seed % 20 === 0) facts.push([practiceDay(250), { type: 'StakeholderLeft', data: { contactId: 'champ', reason: 'moved on' } }]);
  return facts;
}

/** aYearOf's facts with the key-account practice, in date order. */
export function withPractice(seed: number): Array<[string, AccountEvent]> {
  return [...aYearOf(seed), ...keyAccountPractice(seed)].sort(([a], [b]) => a.localeCompare(b));
}
