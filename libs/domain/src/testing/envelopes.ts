import { EventEnvelope } from '../events/envelope';
import { AccountEvent } from '../events/event-catalog';
import { NewAccountEvent, newAccountEvent } from '../events/event-codec';

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

/** A new event of an account's stream for tests: the envelope with the id the platform derives for it. */
export function accountEvent(accountId: string, event: AccountEvent, overrides: Partial<EventEnvelope> = {}): NewAccountEvent {
  return newAccountEvent(envelope(accountId, event, overrides));
}
