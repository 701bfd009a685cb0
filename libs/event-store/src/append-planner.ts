import {
  AppendOptions,
  AppendResult,
  EventsAlreadyStoredError,
  ExpectedVersion,
  NewEvent,
  PrecedingAppendFailedError,
  StreamAppend,
  WrongExpectedVersionError,
} from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What every adapter refuses before touching its storage: a programming error of the caller, not a conflict. */
export function assertValidAppend(streams: StreamAppend[]): void {
  for (const stream of streams) {
    if (typeof stream.streamId !== 'string' || stream.streamId.length === 0) throw new TypeError('streamId must be a non-empty string');
    const expected = stream.expectedVersion;
    if (expected !== 'any' && expected !== 'no_stream' && !(Number.isInteger(expected) && expected >= 0)) {
      throw new TypeError(`expectedVersion of ${stream.streamId} must be a version ≥ 0, 'no_stream' or 'any'`);
    }
    for (const event of stream.events) {
      if (!UUID.test(event.eventId)) throw new TypeError(`eventId must be a UUID, got ${JSON.stringify(event.eventId)}`);
      if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('event type must be a non-empty string');
      if (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 0 || event.schemaVersion > 32767) {
        throw new TypeError('schemaVersion must be an integer from 0 to 32767');
      }
    }
  }
}

/**
 * For an adapter that writes each append as it comes: waits for the appends `after` names (AppendOptions.after), and
 * refuses this one unless each of them succeeded.
 */
export async function awaitPrecedingAppends(streams: StreamAppend[], after: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(after);
  if (settled.some((outcome) => outcome.status === 'rejected')) throw new PrecedingAppendFailedError(streams.map((s) => s.streamId));
}

/** An event the planner decided to append, with its place in its stream and in the global log. */
export interface PlannedEvent extends NewEvent {
  streamId: string;
  version: number;
  globalPosition: number;
}

export interface AppendPlanContext {
  /** Stored events (or earlier ones of this plan) by id. */
  known: Map<string, Omit<AppendResult, 'duplicate'>>;
  /** Current version per stream, -1 for none; only streams of the append need to be present. */
  versions: Map<string, number>;
  head: number;
  recordedAt: Date;
}

/**
 * Decides one atomic append against what the store holds, without touching it: which events are duplicates,
 * which are new with which versions and positions, or which stream's expected version fails.
 * On success it updates `context` so the next append of the same transaction sees this one.
 * Shared by every adapter that decides appends itself, so they agree to the letter.
 */
export function planAppend(
  context: AppendPlanContext,
  streams: StreamAppend[],
  options: AppendOptions = {},
): { results: AppendResult[][]; planned: PlannedEvent[] } {
  if (options.onlyNew) {
    const stored = streams.flatMap((s) => s.events.filter((e) => context.known.has(e.eventId)).map((e) => e.eventId));
    if (stored.length > 0) throw new EventsAlreadyStoredError(stored);
  }
  const known = new Map<string, Omit<AppendResult, 'duplicate'>>();
  const versions = new Map<string, number>();
  const lookup = (id: string) => known.get(id) ?? context.known.get(id);
  const versionOf = (streamId: string) => versions.get(streamId) ?? context.versions.get(streamId) ?? -1;
  let head = context.head;
  const planned: PlannedEvent[] = [];
  const results: AppendResult[][] = [];

  for (const stream of streams) {
    const { streamId } = stream;
    if (stream.events.some((event) => !lookup(event.eventId))) checkExpectedVersion(streamId, stream.expectedVersion, versionOf(streamId));
    const streamResults: AppendResult[] = [];
    let version = versionOf(streamId);
    for (const event of stream.events) {
      const first = lookup(event.eventId);
      if (first) {
        const { eventId, version: firstVersion, globalPosition, recordedAt } = first;
        streamResults.push({ eventId, streamId: first.streamId, version: firstVersion, globalPosition, recordedAt, duplicate: true });
        continue;
      }
      version += 1;
      head += 1;
      const { eventId, type, data, metadata, schemaVersion } = event;
      // Written field by field: spreading the caller's objects costs more than the rest of the plan together.
      const result: AppendResult = { eventId, streamId, version, globalPosition: head, recordedAt: context.recordedAt, duplicate: false };
      known.set(eventId, result);
      planned.push({ eventId, type, data, metadata, schemaVersion, streamId, version, globalPosition: head });
      streamResults.push(result);
    }
    versions.set(streamId, version);
    results.push(streamResults);
  }

  for (const [id, result] of known) context.known.set(id, result);
  for (const [streamId, version] of versions) context.versions.set(streamId, version);
  context.head = head;
  return { results, planned };
}

function checkExpectedVersion(streamId: string, expected: ExpectedVersion, actual: number): void {
  const holds = expected === 'any' || (expected === 'no_stream' ? actual === -1 : actual === expected);
  if (!holds) throw new WrongExpectedVersionError(streamId, expected, actual);
}
