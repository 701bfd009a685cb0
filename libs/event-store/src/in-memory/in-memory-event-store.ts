import { assertValidAppend, awaitPrecedingAppends, planAppend } from '../append-planner';
import {
  AppendOptions,
  AppendResult,
  compactEvent,
  CompactEvent,
  CompactReadOptions,
  ChainLink,
  EventStore,
  passesFilter,
  ReadChainOptions,
  RecordedEvent,
  ReadAllOptions,
  ReadForAppend,
  RecordedHead,
  StreamAppend,
  StreamsFilter,
  StreamTail,
  SubscribeOptions,
  Subscription,
  TamperEvidentLog,
} from '../event-store.port';
import { chainHash, GENESIS_HASH } from '../hash-chain';
import { pollingSubscription } from '../polling-subscription';

/**
 * The event store in memory, for unit tests only: same contract as the PostgreSQL adapter, nothing kept.
 * The clock is injectable so that `recordedAt` is predictable in tests.
 */
export class InMemoryEventStore implements EventStore, TamperEvidentLog {
  private readonly log: ChainLink[] = [];
  private readonly byId = new Map<string, RecordedEvent>();
  private readonly streams = new Map<string, RecordedEvent[]>();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  append(streams: StreamAppend[], options: AppendOptions = {}): Promise<AppendResult[][]> {
    assertValidAppend(streams);
    return this.appendValid(streams, options);
  }

  private async appendValid(streams: StreamAppend[], options: AppendOptions): Promise<AppendResult[][]> {
    if (options.after?.length) await awaitPrecedingAppends(streams, options.after);
    const ids = streams.flatMap((s) => s.events.map((e) => e.eventId));
    const context = {
      known: new Map([...ids].flatMap((id) => (this.byId.has(id) ? [[id, this.byId.get(id)!] as const] : []))),
      versions: new Map(streams.map((s) => [s.streamId, (this.streams.get(s.streamId)?.length ?? 0) - 1])),
      head: this.log.length,
      // Transaction times never go back along the log, as in the PostgreSQL store.
      recordedAt: new Date(Math.max(this.clock().getTime(), this.log.at(-1)?.recordedAt.getTime() ?? 0)),
    };
    const { results, planned } = planAppend(context, streams, options);
    for (const event of planned) {
      const prevHash = this.log.at(-1)?.hash ?? GENESIS_HASH;
      const recorded: RecordedEvent = { ...structuredClone(event), recordedAt: context.recordedAt };
      this.log.push({ ...recorded, hash: chainHash(recorded, prevHash), prevHash });
      this.byId.set(recorded.eventId, recorded);
      const stream = this.streams.get(recorded.streamId) ?? [];
      stream.push(recorded);
      this.streams.set(recorded.streamId, stream);
    }
    if (planned.length > 0) for (const listener of this.listeners) listener();
    return results;
  }

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const from = options.fromVersion ?? 0;
    const events = (this.streams.get(streamId) ?? []).slice(from, options.limit === undefined ? undefined : from + options.limit);
    return events.map((e) => structuredClone(e));
  }

  async readStreams(streamIds: readonly string[], filter?: StreamsFilter): Promise<Map<string, RecordedEvent[]>> {
    return new Map(
      await Promise.all(streamIds.map(async (id) => [id, (await this.readStream(id)).filter((e) => passesFilter(e, filter))] as const)),
    );
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.log
      .slice(options.after)
      .filter((e) => passesFilter(e, options))
      .slice(0, options.limit)
      .map(({ hash: _h, prevHash: _p, ...e }) => structuredClone(e));
  }

  async readAllCompact(options: CompactReadOptions): Promise<CompactEvent[]> {
    return (await this.readAll(options)).map((event) => compactEvent(event, options.metadataField));
  }

  async readChain(options: ReadChainOptions): Promise<ChainLink[]> {
    return this.log
      .slice(options.after, options.until)
      .filter((e) => options.streamId === undefined || e.streamId === options.streamId)
      .slice(0, options.limit)
      .map((e) => structuredClone(e));
  }

  async recordedHead(): Promise<RecordedHead> {
    const last = this.log.at(-1);
    return { position: this.log.length, hash: last?.hash ?? GENESIS_HASH, recordedAt: last?.recordedAt ?? null };
  }

  async positionAt(instant: Date): Promise<number> {
    let position = 0;
    for (const event of this.log) if (event.recordedAt.getTime() <= instant.getTime()) position = event.globalPosition;
    return position;
  }

  async readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>> {
    return new Map(eventIds.flatMap((id) => (this.byId.has(id) ? [[id, structuredClone(this.byId.get(id)!)] as const] : [])));
  }

  async readForAppend(eventIds: readonly string[], streams: readonly StreamTail[]): Promise<ReadForAppend> {
    const read = await Promise.all(streams.map(async (s) => ({ s, events: await this.readStream(s.streamId) })));
    return {
      stored: await this.readEvents(eventIds),
      tails: new Map(read.map(({ s, events }) => [s.streamId, events.filter((e) => e.version > s.afterVersion && passesFilter(e, s))])),
      versions: new Map(read.map(({ s, events }) => [s.streamId, events.length > 0 ? events[events.length - 1].version : -1])),
    };
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  subscribeToAll(options: SubscribeOptions, handler: (events: RecordedEvent[]) => Promise<void>): Subscription {
    return pollingSubscription({
      after: options.after,
      batchSize: options.batchSize ?? 500,
      read: (after, limit) => this.readAll({ after, limit }),
      onAppended: (wake) => {
        this.listeners.add(wake);
        return () => this.listeners.delete(wake);
      },
      idleWaitMs: 1000,
      handler,
    });
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
