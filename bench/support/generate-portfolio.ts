import { randomUUID } from 'node:crypto';
import { accountStreamId, AccountEvent, encodeEvent, newAccountEvent } from '@rapport/domain';
import { EventStore, NewEvent, StreamAppend } from '@rapport/event-store';
import { aYearOf, keyAccountPractice } from '../../test/support/account-events';

const day = (d: number) => new Date(Date.UTC(2025, 10, 1, 11) + d * 86_400_000).toISOString();
const CONTACTS = ['dm', 'champ', 'user'];

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
