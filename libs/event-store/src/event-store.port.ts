/** Expected version of a stream before an append: a version number (0-based), `no_stream`, or `any` (no check). */
export type ExpectedVersion = number | 'no_stream' | 'any';

export interface NewEvent {
  /** UUID. Also the idempotency key: an event whose id the store already has is not appended again. */
  eventId: string;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  schemaVersion: number;
}

export interface RecordedEvent extends NewEvent {
  streamId: string;
  /** 0-based position in the stream. */
  version: number;
  /** Position in the global log, from 1: strictly increasing, and never visible before a lower committed one. */
  globalPosition: number;
  /** When the store committed it (transaction time). */
  recordedAt: Date;
}

export interface StreamAppend {
  streamId: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent[];
}

export interface AppendResult {
  eventId: string;
  streamId: string;
  version: number;
  globalPosition: number;
  recordedAt: Date;
  /** True when the store already had an event with this id: nothing was appended, and the fields are the first one's. */
  duplicate: boolean;
}

export interface AppendOptions {
  onlyNew?: boolean;
  /**
   * Appends of this store, perhaps still pending (the promises its `append` returned), whose events this append's
   * expected versions count: a writer that decides on what it has just appended, before that is written. The append
   * is written after them, and refused with `PrecedingAppendFailedError` unless each of them succeeded, so that a
   * decision is never stored on facts that were not, even where another writer's events make its versions hold.
   */
  after?: readonly Promise<unknown>[];
}

/** An append whose `after` appends did not all succeed: nothing of it was appended. */
export class PrecedingAppendFailedError extends Error {
  constructor(readonly streamIds: readonly string[]) {
    super(`an append this one follows failed, so none of it was appended (streams ${streamIds.join(', ')})`);
    this.name = 'PrecedingAppendFailedError';
  }
}

/** An `onlyNew` append met events the store already holds; nothing was appended. */
export class EventsAlreadyStoredError extends Error {
  constructor(readonly eventIds: string[]) {
    super(`already stored: ${eventIds.join(', ')}`);
    this.name = 'EventsAlreadyStoredError';
  }
}

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    /** -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${expected}, but it is at ${actual}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export interface Subscription {
  stop(): Promise<void>;
  /** Settles when the subscription ends: resolves after `stop()`, rejects with the handler's or the store's error. */
  readonly done: Promise<void>;
}

export interface ReadAllOptions extends StreamsFilter {
  after: number;
  limit: number;
}

export interface StreamsFilter {
  /** Only events of these types. */
  types?: readonly string[];
  /** Only events at or before this global position. */
  until?: number;
}

/** A compact read of the log by type: what a fold over many accounts needs, without the rest of the metadata. */
export interface CompactReadOptions extends ReadAllOptions {
  types: readonly string[];
  /** The metadata field returned as text beside the data (e.g. `occurredAt`). */
  metadataField: string;
}

/** An event in a compact read: its data and one metadata field's text (null when absent or not a string). */
export interface CompactEvent {
  globalPosition: number;
  eventId: string;
  streamId: string;
  type: string;
  data: unknown;
  field: string | null;
}

/** The compact form of a recorded event (for adapters that read it whole). */
export function compactEvent(event: RecordedEvent, metadataField: string): CompactEvent {
  const value = event.metadata[metadataField];
  return {
    globalPosition: event.globalPosition,
    eventId: event.eventId,
    streamId: event.streamId,
    type: event.type,
    data: event.data,
    field: typeof value === 'string' ? value : null,
  };
}

/** Whether an event passes a `StreamsFilter` (for adapters that filter in code). */
export function passesFilter(event: RecordedEvent, filter: StreamsFilter = {}): boolean {
  return (filter.until === undefined || event.globalPosition <= filter.until) && (!filter.types || filter.types.includes(event.type));
}

export interface SubscribeOptions {
  /** Deliver events after this global position (0: from the start). */
  after: number;
  /** Most events handed to the handler at once. */
  batchSize?: number;
}

/** A stream as a writer holds it: its events up to `afterVersion` are known (-1: none). */
export interface StreamTail {
  streamId: string;
  afterVersion: number;
  /**
   * Only events of these types in the tail: what a writer whose decisions depend on a few types reads of a long
   * stream. The stream's version is still its last event's, whatever its type (`ReadForAppend.versions`).
   */
  types?: readonly string[];
}

export interface ReadForAppend {
  stored: Map<string, RecordedEvent>;
  /** By stream id, the events after each stream's `afterVersion` (of its `types` only, when given). */
  tails: Map<string, RecordedEvent[]>;
  /** By stream id, the version of its last stored event (-1: none): the expected version of the next append. */
  versions: Map<string, number>;
}

/**
 * The event store port. Adapters: PostgreSQL (the default), KurrentDB, and in-memory for unit tests only.
 * All of them pass the same contract suite (`describeEventStoreContract`).
 */
export interface EventStore {
  /**
   * Appends to one or more streams atomically: either every stream's expected version holds and all of it is
   * appended, or nothing is and `WrongExpectedVersionError` is thrown. Results are per stream, per event, in input order.
   * Events whose id is already stored are reported as duplicates and not appended; a stream whose events are all
   * duplicates is not version-checked, so retrying a whole append that already landed is safe.
   * Malformed input (an event id that is not a UUID, a bad expected version) throws a TypeError at once.
   * With `onlyNew`, an append with any event already stored appends nothing and throws `EventsAlreadyStoredError`:
   * for a writer that decided without reading, on what it held, and must look again when that missed a redelivery.
   */
  append(streams: StreamAppend[], options?: AppendOptions): Promise<AppendResult[][]>;
  /** A stream's events from `fromVersion` (default 0), oldest first. */
  readStream(streamId: string, options?: { fromVersion?: number; limit?: number }): Promise<RecordedEvent[]>;
  /** Several whole streams in one read (an empty list for a stream that does not exist), optionally filtered. */
  readStreams(streamIds: readonly string[], filter?: StreamsFilter): Promise<Map<string, RecordedEvent[]>>;
  /**
   * The global log after `after`, in global order; with a filter, only its events (up to `limit` of them). Fewer than
   * `limit` only when the log (or `until`) ends there.
   */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * readAll by type in compact form, with readAll's paging: the same events, each with its data and one metadata
   * field only (a log-wide fold reads half as many bytes).
   */
  readAllCompact(options: CompactReadOptions): Promise<CompactEvent[]>;
  /** Stored events with these ids (those the store has). */
  readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>>;
  /**
   * What a writer reads before deciding, in one round trip where the store allows: the stored events among
   * `eventIds` (its idempotency check), and each stream's events after the version the writer already holds
   * (-1: the whole stream), in version order (an empty list when there are none).
   */
  readForAppend(eventIds: readonly string[], streams: readonly StreamTail[]): Promise<ReadForAppend>;
  /** Position of the last event in the global log (0 when empty). */
  headPosition(): Promise<number>;
  /** Position of the last event recorded at or before `instant` (0 when none): what the platform knew then. */
  positionAt(instant: Date): Promise<number>;
  /** Catch up from `after`, then follow live. Batches are delivered one at a time, each awaited. */
  subscribeToAll(options: SubscribeOptions, handler: (events: RecordedEvent[]) => Promise<void>): Subscription;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

export interface ReadChainOptions {
  /** Events after this global position… */
  after: number;
  /** …up to and including this one (default: the head)… */
  until?: number;
  /** …of this stream only (default: all). */
  streamId?: string;
  limit: number;
}

/** A stored event with its link in the hash chain (see hash-chain.ts). */
export interface ChainLink extends RecordedEvent {
  /** Hex; null when the stored row lacks one (which verification reports as a break). */
  hash: string | null;
  /** The hash of the event at the previous global position; null when no event is stored there. */
  prevHash: string | null;
}

/** The head as the store records it beside the log. */
export interface RecordedHead {
  position: number;
  hash: string | null;
  recordedAt: Date | null;
}

/**
 * A store that chains its events by hash and can answer "what was recorded by then". The PostgreSQL store (and the
 * in-memory one) are; KurrentDB is not: its log is appended by the server, out of reach of a lock of ours under which
 * to extend a chain (see docs/architecture.md).
 */
export interface TamperEvidentLog {
  readChain(options: ReadChainOptions): Promise<ChainLink[]>;
  recordedHead(): Promise<RecordedHead>;
}

export function isTamperEvident(store: EventStore): store is EventStore & TamperEvidentLog {
  const candidate = store as Partial<TamperEvidentLog>;
  return typeof candidate.readChain === 'function' && typeof candidate.recordedHead === 'function';
}
