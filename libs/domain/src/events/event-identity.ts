import { v5 as uuidv5 } from 'uuid';

/** Fixed namespace of Rapport's event ids (a random UUID chosen once; changing it would change every id). */
const RAPPORT_EVENT_NAMESPACE = '5b0a4a3e-7c2f-4d8e-9a51-2f6c1e0b7d94';

/**
 * The platform's id of an inbound fact, derived from its idempotency key (source.system, source.eventId).
 * Deriving it (UUID v5) rather than drawing it makes idempotency a property of the id itself:
 * any store that refuses a second event with the same id, PostgreSQL or KurrentDB, refuses a redelivery.
 */
export function eventIdFor(source: { system: string; eventId: string }): string {
  // The separator cannot occur in a source system name, so distinct keys never join to the same string.
  return uuidv5(`${source.system}/${source.eventId}`, RAPPORT_EVENT_NAMESPACE);
}

export function accountStreamId(accountId: string): string {
  return `account-${accountId}`;
}

export function accountIdOfStream(streamId: string): string | undefined {
  return streamId.startsWith('account-') ? streamId.slice('account-'.length) : undefined;
}
