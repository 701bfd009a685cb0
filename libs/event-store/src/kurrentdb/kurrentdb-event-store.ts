import {
  ANY,
  AppendStreamRequest,
  BACKWARDS,
  excludeSystemEvents,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  ResolvedEvent,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as KurrentWrongExpectedVersion,
} from '@kurrent/kurrentdb-client';
import { assertValidAppend, awaitPrecedingAppends } from '../append-planner';
import {
  AppendOptions,
  AppendResult,
  compactEvent,
  CompactEvent,
  CompactReadOptions,
  EventsAlreadyStoredError,
  EventStore,
  passesFilter,
  ReadAllOptions,
  ReadForAppend,
  RecordedEvent,
  StreamAppend,
  StreamsFilter,
  StreamTail,
  SubscribeOptions,
  Subscription,
  WrongExpectedVersionError,
} from '../event-store.port';
import { pollingSubscription } from '../polling-subscription';

/** Claim streams hold one event each: the stream and version an event id was first appended at. */
export const CLAIM_STREAM_PREFIX = 'rapport-event-id-';
export const claimStream = (eventId: string) => `${CLAIM_STREAM_PREFIX}${eventId}`;
export const isClaimStream = (streamId: string) => streamId.startsWith(CLAIM_STREAM_PREFIX);

/** KurrentDB's expected state for a known current version (-1: no stream). */
export function expectedStateFor(currentVersion: number): typeof NO_STREAM | bigint {
  return currentVersion < 0 ? NO_STREAM : BigInt(currentVersion);
}

type Resolved = ResolvedEvent & { event: NonNullable<ResolvedEvent['event']> };

/** A KurrentDB record as the port's RecordedEvent; the global position is the record's prepare position. */
export function recordedFrom(resolved: Resolved): RecordedEvent {
  const event = resolved.event;
  const { schemaVersion, ...metadata } = (event.metadata ?? {}) as Record<string, unknown> & { schemaVersion?: number };
  return {
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata,
    schemaVersion: typeof schemaVersion === 'number' ? schemaVersion : 1,
    streamId: event.streamId,
    version: Number(event.revision),
    globalPosition: Number(event.position?.prepare ?? 0n),
    recordedAt: event.created,
  };
}

/**
 * The event store on KurrentDB (EventStoreDB), with the official client. Selected by EVENTSTORE_URL.
 *
 * - Appends to several streams are atomic with `multiStreamAppend` (KurrentDB 25.1 or later).
 * - Idempotency: each new event also claims `rapport-event-id-<id>` with expected state no_stream, in the same
 *   atomic append. A redelivery, to any stream, fails its claim; the store then answers with the first result,
 *   found through the claim. KurrentDB's own id deduplication covers only a retry to the same stream.
 * - Global positions are the records' prepare positions: increasing, not contiguous. `$all` is read without
 *   system events and claim streams.
 * - Subscriptions poll `$all` through the same catch-up-then-follow loop as the other adapters.
 *
 * No KurrentDB server can run on the development machines: this adapter runs the contract suite only where
 * EVENTSTORE_URL names one (libs/event-store/src/kurrentdb/kurrentdb-event-store.spec.ts).
 */
export class KurrentDbEventStore implements EventStore {
  private readonly client: KurrentDBClient;
  /**
   * Full log positions of events this store has read, by global (prepare) position: a reader resumes "after p"
   * from a real record position. After a restart the first resume builds one from p alone (commit = prepare = p),
   * which has not been checked against a server.
   */
  private readonly positions = new Map<number, { commit: bigint; prepare: bigint }>();

  constructor(
    connectionString: string,
    private readonly options: { idleWaitMs?: number } = {},
  ) {
    this.client = KurrentDBClient.connectionString(connectionString);
  }

  append(streams: StreamAppend[], options: AppendOptions = {}): Promise<AppendResult[][]> {
    assertValidAppend(streams);
    return this.appendValid(streams, options);
  }

  private async appendValid(streams: StreamAppend[], options: AppendOptions, attempt = 1): Promise<AppendResult[][]> {
    if (attempt === 1 && options.after?.length) await awaitPrecedingAppends(streams, options.after);
    const ids = [...new Set(streams.flatMap((s) => s.events.map((e) => e.eventId)))];
    const known = await this.readEvents(ids);
    if (options.onlyNew && known.size > 0) throw new EventsAlreadyStoredError([...known.keys()]);
    const requests: AppendStreamRequest[] = [];
    const planned = new Map<string, { streamId: string; version: number }>();
    for (const stream of streams) {
      const fresh = stream.events.filter(
        (e, i) => !known.has(e.eventId) && !planned.has(e.eventId) && stream.events.findIndex((x) => x.eventId === e.eventId) === i,
      );
      if (fresh.length === 0) continue;
      const current =
        stream.expectedVersion === 'any'
          ? await this.currentVersion(stream.streamId)
          : stream.expectedVersion === 'no_stream'
            ? -1
            : stream.expectedVersion;
      fresh.forEach((e, i) => planned.set(e.eventId, { streamId: stream.streamId, version: current + 1 + i }));
      requests.push({
        streamName: stream.streamId,
        expectedState: stream.expectedVersion === 'any' ? ANY : expectedStateFor(current),
        events: fresh.map((e) =>
          jsonEvent({ id: e.eventId, type: e.type, data: e.data as never, metadata: { ...e.metadata, schemaVersion: e.schemaVersion } }),
        ),
      });
      for (const e of fresh) {
        requests.push({
          streamName: claimStream(e.eventId),
          expectedState: NO_STREAM,
          events: [jsonEvent({ type: 'EventIdClaimed', data: planned.get(e.eventId)! })],
        });
      }
    }
    if (requests.length > 0) {
      try {
        await this.client.multiStreamAppend(requests);
      } catch (error) {
        if (!(error instanceof KurrentWrongExpectedVersion)) throw error;
        // Someone else appended one of these ids meanwhile: look again, it is a duplicate now.
        if (isClaimStream(error.streamName) && attempt < 5) return this.appendValid(streams, options, attempt + 1);
        const stream = streams.find((s) => s.streamId === error.streamName);
        const actual = typeof error.actualState === 'bigint' ? Number(error.actualState) : -1;
        throw new WrongExpectedVersionError(error.streamName, stream?.expectedVersion ?? 'any', actual);
      }
    }
    const appended = await this.readEvents([...planned.keys()]);
    return streams.map((stream) =>
      stream.events.map((event, index) => {
        const first = known.get(event.eventId) ?? appended.get(event.eventId)!;
        const repeated =
          known.has(event.eventId) ||
          stream.events.findIndex((e) => e.eventId === event.eventId) !== index ||
          planned.get(event.eventId)?.streamId !== stream.streamId;
        return {
          eventId: first.eventId,
          streamId: first.streamId,
          version: first.version,
          globalPosition: first.globalPosition,
          recordedAt: first.recordedAt,
          duplicate: repeated,
        };
      }),
    );
  }

  private async currentVersion(streamId: string): Promise<number> {
    const [last] = await this.readRaw(streamId, { direction: BACKWARDS, fromRevision: 'end', maxCount: 1 });
    return last ? Number(last.event.revision) : -1;
  }

  private async readRaw(streamId: string, options: Record<string, unknown>): Promise<Resolved[]> {
    const out: Resolved[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) if (resolved.event) out.push(resolved as Resolved);
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return out;
  }

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const raw = await this.readRaw(streamId, {
      fromRevision: BigInt(options.fromVersion ?? 0),
      ...(options.limit !== undefined ? { maxCount: options.limit } : {}),
    });
    return raw.map(recordedFrom);
  }

  async readStreams(streamIds: readonly string[], filter?: StreamsFilter): Promise<Map<string, RecordedEvent[]>> {
    return new Map(
      await Promise.all(streamIds.map(async (id) => [id, (await this.readStream(id)).filter((e) => passesFilter(e, filter))] as const)),
    );
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    const filtered = options.types !== undefined || options.until !== undefined;
    const out: RecordedEvent[] = [];
    const from =
      options.after === 0
        ? START
        : (this.positions.get(options.after) ?? { commit: BigInt(options.after), prepare: BigInt(options.after) });
    // A filter is applied here, so the read is not bounded by the limit: it stops once the limit is met.
    const maxCount = filtered ? undefined : options.limit + 1;
    for await (const resolved of this.client.readAll({ fromPosition: from, maxCount, filter: excludeSystemEvents() })) {
      if (!resolved.event || isClaimStream(resolved.event.streamId)) continue;
      const event = recordedFrom(resolved as Resolved);
      if (resolved.event.position) this.remember(event.globalPosition, resolved.event.position);
      if (event.globalPosition <= options.after) continue;
      if (options.until !== undefined && event.globalPosition > options.until) break;
      if (!passesFilter(event, options)) continue;
      out.push(event);
      if (out.length === options.limit) break;
    }
    return out;
  }

  async readAllCompact(options: CompactReadOptions): Promise<CompactEvent[]> {
    return (await this.readAll(options)).map((event) => compactEvent(event, options.metadataField));
  }

  private remember(globalPosition: number, position: { commit: bigint; prepare: bigint }): void {
    this.positions.set(globalPosition, position);
    if (this.positions.size > 10_000) this.positions.delete(this.positions.keys().next().value!);
  }

  async readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>> {
    const found = new Map<string, RecordedEvent>();
    await Promise.all(
      eventIds.map(async (id) => {
        const [claim] = await this.readRaw(claimStream(id), { maxCount: 1 });
        if (!claim) return;
        const { streamId, version } = claim.event.data as { streamId: string; version: number };
        const [event] = await this.readStream(streamId, { fromVersion: version, limit: 1 });
        if (event?.eventId === id) found.set(id, event);
      }),
    );
    return found;
  }

  /** KurrentDB filters no stream by type on the server: a tail with `types` is read whole and filtered here. */
  async readForAppend(eventIds: readonly string[], streams: readonly StreamTail[]): Promise<ReadForAppend> {
    const [stored, tails] = await Promise.all([
      this.readEvents(eventIds),
      Promise.all(streams.map(async (s) => ({ s, events: await this.readStream(s.streamId, { fromVersion: s.afterVersion + 1 }) }))),
    ]);
    return {
      stored,
      tails: new Map(tails.map(({ s, events }) => [s.streamId, events.filter((e) => passesFilter(e, s))])),
      versions: new Map(tails.map(({ s, events }) => [s.streamId, events.length > 0 ? events[events.length - 1].version : s.afterVersion])),
    };
  }

  async headPosition(): Promise<number> {
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: 'end' as never,
      maxCount: 50,
      filter: excludeSystemEvents(),
    })) {
      if (resolved.event && !isClaimStream(resolved.event.streamId)) return Number(resolved.event.position?.prepare ?? 0n);
    }
    return 0;
  }

  /**
   * Walks `$all` back from the end to the first event created at or before `instant`: KurrentDB keeps no index by
   * time, so this reads every event recorded since (fine for recent instants, slow for old ones on a large log).
   */
  async positionAt(instant: Date): Promise<number> {
    for await (const resolved of this.client.readAll({
      direction: BACKWARDS,
      fromPosition: 'end' as never,
      filter: excludeSystemEvents(),
    })) {
      if (!resolved.event || isClaimStream(resolved.event.streamId)) continue;
      if (resolved.event.created.getTime() <= instant.getTime()) return Number(resolved.event.position?.prepare ?? 0n);
    }
    return 0;
  }

  subscribeToAll(options: SubscribeOptions, handler: (events: RecordedEvent[]) => Promise<void>): Subscription {
    return pollingSubscription({
      after: options.after,
      batchSize: options.batchSize ?? 500,
      read: (after, limit) => this.readAll({ after, limit }),
      onAppended: () => () => undefined,
      idleWaitMs: this.options.idleWaitMs ?? 200,
      handler,
    });
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}
