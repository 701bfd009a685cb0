import { AccountStreamEvent } from '../account/account-state';
import { isEventType, SCHEMA_VERSION } from './event-catalog';
import { EventEnvelope } from './envelope';
import { accountIdOfStream, eventIdFor } from './event-identity';

/**
 * The one place where an account event changes shape: the inbound envelope, the record an event store keeps
 * (type, data, and the rest of the envelope as metadata), the typed stored event the domain folds, and the JSON
 * view the API shows. Ingest, the projector, queries, tests and benchmarks all go through it.
 */

/** The envelope's fields that the store keeps beside `type` and `data`. */
export interface EventMetadata {
  accountId: string;
  occurredAt: string;
  source: { system: string; eventId: string };
  actor?: string;
  /** Who sent it: an API key's id, `oidc:<sub>`, `kafka:<topic>`, `bootstrap` or `anonymous`. Absent on events stored before. */
  recordedBy?: string;
}

/** A fact accepted for an account's stream and not stored yet: its envelope and the platform's id for it. */
export type NewAccountEvent = EventEnvelope & { eventId: string };

/** An account event as stored: the fact, its envelope and what the store added (place in the logs, transaction time). */
export type StoredAccountEvent = NewAccountEvent & {
  streamId: string;
  /** 0-based position in the account's stream. */
  version: number;
  globalPosition: number;
  /** When the store committed it (transaction time). */
  recordedAt: Date;
  schemaVersion: number;
  /** Who sent it (see EventMetadata). */
  recordedBy?: string;
};

/**
 * What a fold reads, and the event's place in the log: the compact form in which a rebuild holds a whole portfolio's
 * streams (a third of the memory of `StoredAccountEvent`).
 */
export type PositionedAccountEvent = AccountStreamEvent & { globalPosition: number };

/** What an event store takes for a new event (the store port's `NewEvent`, by shape: the domain imports no adapter). */
export interface EventRecord {
  eventId: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  schemaVersion: number;
}

/** What an event store gives back (the store port's `RecordedEvent`, by shape). */
export interface RecordedEventRecord extends EventRecord {
  streamId: string;
  version: number;
  globalPosition: number;
  recordedAt: Date;
}

/** A stored event as the API shows it: the envelope as received, plus what the platform added. */
export interface StoredEventView {
  eventId: string;
  type: string;
  accountId: string;
  occurredAt: string;
  source: { system: string; eventId: string };
  actor?: string;
  data: unknown;
  streamId: string;
  version: number;
  globalPosition: number;
  recordedAt: string;
  schemaVersion: number;
  recordedBy?: string;
}

/** A record that cannot be an account event of this catalog: the log was written by something else, or is damaged. */
export class UndecodableEventError extends Error {
  constructor(
    readonly eventId: string,
    reason: string,
  ) {
    super(`stored event ${eventId} is not an account event: ${reason}`);
    this.name = 'UndecodableEventError';
  }
}

/** A validated envelope with the id derived from its idempotency key. */
export function newAccountEvent(envelope: EventEnvelope): NewAccountEvent {
  const event = {
    type: envelope.type,
    data: envelope.data,
    accountId: envelope.accountId,
    occurredAt: envelope.occurredAt,
  } as NewAccountEvent;
  event.source = envelope.source;
  if (envelope.actor !== undefined) event.actor = envelope.actor;
  event.eventId = eventIdFor(envelope.source);
  return event;
}

/** The record to append. Only the catalog's fields are copied: nothing else reaches the store. */
export function encodeEvent(event: NewAccountEvent, recordedBy?: string): EventRecord {
  // Keys in the order the hash chain's canonical form (RFC 8785) sorts them: the store then serialises the metadata
  // natively, without sorting it.
  const metadata: Record<string, unknown> = { accountId: event.accountId };
  if (event.actor !== undefined) metadata.actor = event.actor;
  metadata.occurredAt = event.occurredAt;
  if (recordedBy !== undefined) metadata.recordedBy = recordedBy;
  metadata.source = { eventId: event.source.eventId, system: event.source.system };
  return { eventId: event.eventId, type: event.type, data: event.data, metadata, schemaVersion: SCHEMA_VERSION };
}

/**
 * The typed event of a stored record. Events were validated when they were appended, so only what a foreign or
 * damaged record would lack is checked here: a known type, object data, and the envelope's metadata.
 */
export function decodeEvent(record: RecordedEventRecord): StoredAccountEvent {
  const { metadata } = record;
  if (!isEventType(record.type)) throw new UndecodableEventError(record.eventId, `unknown type ${JSON.stringify(record.type)}`);
  if (record.data === null || typeof record.data !== 'object') throw new UndecodableEventError(record.eventId, 'data is not an object');
  const source = metadata.source as EventMetadata['source'] | undefined;
  const { accountId, occurredAt, actor, recordedBy } = metadata;
  if (
    typeof accountId !== 'string' ||
    typeof occurredAt !== 'string' ||
    typeof source?.system !== 'string' ||
    typeof source.eventId !== 'string'
  ) {
    throw new UndecodableEventError(record.eventId, 'metadata lacks accountId, occurredAt or source');
  }
  // One object literal of a fixed shape: a rebuild decodes millions of these, and spreads cost several times more.
  const event = {
    type: record.type,
    data: record.data,
    eventId: record.eventId,
    accountId,
    occurredAt,
    source,
    streamId: record.streamId,
    version: record.version,
    globalPosition: record.globalPosition,
    recordedAt: record.recordedAt,
    schemaVersion: record.schemaVersion,
  } as StoredAccountEvent;
  if (typeof actor === 'string') event.actor = actor;
  if (typeof recordedBy === 'string') event.recordedBy = recordedBy;
  return event;
}

/** A record read in compact form: its data and the text of its `occurredAt` alone (the store's compact read). */
export interface CompactEventRecord {
  eventId: string;
  streamId: string;
  type: string;
  data: unknown;
  /** metadata.occurredAt. */
  field: string | null;
}

/**
 * The account and the foldable event of a compact record, checked as decodeEvent checks it: a known type, object
 * data, an account's stream and an occurredAt.
 */
export function decodeCompactEvent(record: CompactEventRecord): { accountId: string; event: AccountStreamEvent } {
  if (!isEventType(record.type)) throw new UndecodableEventError(record.eventId, `unknown type ${JSON.stringify(record.type)}`);
  if (record.data === null || typeof record.data !== 'object') throw new UndecodableEventError(record.eventId, 'data is not an object');
  const accountId = accountIdOfStream(record.streamId);
  if (accountId === undefined || record.field === null) {
    throw new UndecodableEventError(record.eventId, 'not in an account stream, or metadata lacks occurredAt');
  }
  return {
    accountId,
    event: { type: record.type, data: record.data, eventId: record.eventId, occurredAt: record.field } as AccountStreamEvent,
  };
}

/** The compact form of a stored record, for folds over many streams (rebuild, the projector's cache). */
export function decodeStreamEvent(record: RecordedEventRecord): PositionedAccountEvent {
  return positionedEvent(decodeEvent(record));
}

/** The compact form of a decoded event. */
export function positionedEvent(event: StoredAccountEvent): PositionedAccountEvent {
  const { type, data, eventId, occurredAt, globalPosition } = event;
  return { type, data, eventId, occurredAt, globalPosition } as PositionedAccountEvent;
}

export function eventView(event: StoredAccountEvent): StoredEventView {
  return {
    eventId: event.eventId,
    type: event.type,
    accountId: event.accountId,
    occurredAt: event.occurredAt,
    source: event.source,
    ...(event.actor !== undefined ? { actor: event.actor } : {}),
    data: event.data,
    streamId: event.streamId,
    version: event.version,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt.toISOString(),
    schemaVersion: event.schemaVersion,
    ...(event.recordedBy !== undefined ? { recordedBy: event.recordedBy } : {}),
  };
}
