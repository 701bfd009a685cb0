import { EventEnvelope } from '../events/envelope';
import { AccountEvent } from '../events/event-catalog';
import { eventIdFor } from '../events/event-identity';
import { AccountHistoryEvent } from '../account/account-history';

let counter = 0;

/** A valid envelope for tests: `envelope('acme', { type: 'AccountOpened', data: { name: 'Acme' } })`. */
export function envelope(accountId: string, event: AccountEvent, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  counter += 1;
  return {
    accountId,
    occurredAt: '2026-03-02T10:00:00Z',
    source: { system: 'test', eventId: `e-${counter}` },
    ...event,
    ...overrides,
  } as EventEnvelope;
}

/** The same envelope as it comes back out of a stream, with the platform's id. */
export function historyEvent(e: EventEnvelope): AccountHistoryEvent {
  return { eventId: eventIdFor(e.source), type: e.type, data: e.data } as AccountHistoryEvent;
}
