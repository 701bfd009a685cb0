import { randomUUID } from 'node:crypto';
import { accountStreamId, AccountEvent, encodeEvent, newAccountEvent } from '@rapport/domain';
import { EventStore, NewEvent, StreamAppend } from '@rapport/event-store';
import { aYearOf } from '../../test/support/account-events';

const day = (d: number) => new Date(Date.UTC(2025, 10, 1, 11) + d * 86_400_000).toISOString();
const date = (d: number) => day(d).slice(0, 10);
const CONTACTS = ['dm', 'champ', 'user'];

/**
 * Key-account practice for one account in five: who is who, a cadence, a goal with its actions, an invoice (one in
 * three paid late or not at all), an assessment; one in ten is a key account, one in fifteen faces a competitor and
 * one in twenty loses its champion. Dates fall within aYearOf's year, in an order the rules accept.
 */
function keyAccountPractice(seed: number): Array<[string, AccountEvent]> {
  const facts: Array<[string, AccountEvent]> = [
    [day(5), { type: 'StakeholderIdentified', data: { contactId: 'dm', name: `CFO ${seed}`, role: 'decision_maker', influence: 'high' } }],
    [day(5), { type: 'StakeholderIdentified', data: { contactId: 'champ', role: 'champion', influence: 'medium' } }],
    [day(5), { type: 'StakeholderIdentified', data: { contactId: 'user', role: 'user', influence: 'low' } }],
    [day(6), { type: 'CadenceAgreed', data: { touchEveryDays: 14 + (seed % 3) * 7, reviewEveryDays: 90 } }],
    [day(10), { type: 'KeyAccountAssessed', data: { strategicValue: seed % 6, logoValue: (seed >> 1) % 6 } }],
    [day(20), { type: 'AccountGoalSet', data: { goalId: 'g1', description: 'Roll out to every region', dueDate: date(300) } }],
    [
      day(21),
      {
        type: 'ActionPlanned',
        data: { actionId: 'a1', goalId: 'g1', description: 'Workshop', ownerId: `owner-${seed % 4}`, dueDate: date(60) },
      },
    ],
    [
      day(21),
      {
        type: 'ActionPlanned',
        data: { actionId: 'a2', goalId: 'g1', description: 'Pilot', ownerId: `owner-${seed % 4}`, dueDate: date(200) },
      },
    ],
    [day(55), { type: 'ActionCompleted', data: { actionId: 'a1' } }],
    [day(120), { type: 'InvoiceIssued', data: { invoiceId: 'inv1', amount: 2_500 + seed, currency: 'EUR', dueDate: date(150) } }],
  ];
  if (seed % 3) facts.push([day(seed % 2 ? 140 : 200), { type: 'InvoicePaid', data: { invoiceId: 'inv1' } }]);
  if (seed % 10 === 0) facts.push([day(7), { type: 'KeyAccountDesignated', data: { reason: 'strategic' } }]);
  if (seed % 15 === 0) facts.push([day(200), { type: 'CompetitorDetected', data: { competitor: 'Rival Inc', threat: 'high' } }]);
  if (seed % 20 === 0) facts.push([day(250), { type: 'StakeholderLeft', data: { contactId: 'champ', reason: 'moved on' } }]);
  return facts;
}

/**
 * About `eventsPerAccount` realistic facts for one account: a year of business (with key-account practice for one
 * account in five), then more interactions, naming contacts where they are known, and usage.
 */
export function accountFacts(seed: number, eventsPerAccount: number): Array<[string, AccountEvent]> {
  const practised = seed % 5 === 0;
  const facts = [...aYearOf(seed), ...(practised ? keyAccountPractice(seed) : [])];
  for (let i = 0; facts.length < eventsPerAccount; i++) {
    const at = new Date(Date.UTC(2025, 10, 2) + ((i * 7919 + seed * 13) % 380) * 86_400_000).toISOString();
    facts.push(
      i % 4 === 0
        ? [at, { type: 'UsageReported', data: { product: 'core', activeUsers: 30 + ((seed + i) % 70), licensedUsers: 100 } }]
        : [
            at,
            {
              type: 'InteractionLogged',
              data: {
                interactionId: `x-${i}`,
                channel: 'email',
                direction: i % 2 ? 'inbound' : 'outbound',
                sentiment: ((seed + i) % 21) / 10 - 1,
                // After day 5, when the stakeholders were identified; the champion is named only while there.
                ...(practised && at > day(5) && (seed % 20 !== 0 || at < day(250)) ? { contactIds: [CONTACTS[i % 3]] } : {}),
              },
            },
          ],
    );
  }
  return facts.sort(([a], [b]) => a.localeCompare(b));
}

/** Appends `accounts` accounts of about `eventsPerAccount` events, many accounts per atomic append. */
export async function generatePortfolio(
  store: EventStore,
  accounts: number,
  eventsPerAccount: number,
  onProgress?: (events: number) => void,
): Promise<number> {
  let total = 0;
  let pending: StreamAppend[] = [];
  let pendingEvents = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    await store.append(pending);
    total += pendingEvents;
    onProgress?.(total);
    pending = [];
    pendingEvents = 0;
  };
  for (let seed = 1; seed <= accounts; seed++) {
    const accountId = `bench-${seed}`;
    const events: NewEvent[] = accountFacts(seed, eventsPerAccount).map(([occurredAt, fact]) => {
      const source = { system: 'bench', eventId: randomUUID() };
      return encodeEvent(newAccountEvent({ ...fact, accountId, occurredAt, source }));
    });
    pending.push({ streamId: accountStreamId(accountId), expectedVersion: 'no_stream', events });
    pendingEvents += events.length;
    if (pendingEvents >= 5_000) await flush();
  }
  await flush();
  return total;
}
