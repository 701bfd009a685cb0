import { BeforeApplicationShutdown, Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { accountStreamId, AccountStream, decide, decodeEvent, encodeEvent, NewAccountEvent, Rejection } from '@rapport/domain';
import { AppendResult, EVENT_STORE, EventStore, NewEvent, StreamAppend, WrongExpectedVersionError } from '@rapport/event-store';
import { CLOCK, Clock, Metrics } from '@rapport/platform';
import { retry } from '@rapport/retry';
import { KeyedLock } from '../../keyed-lock';
import { EventsForbidden, EventsInvalid, EventsRejected, IngestShuttingDown, WritesKeptConflicting } from './ingest-errors';
import { forbiddenItems, IngestItem, validateItems } from './ingest-items';
import { IngestEventsCommand, IngestResult, Writer } from './ingest-events.command';

/** Attempts against other processes' writes to the same accounts before giving up. */
const MAX_ATTEMPTS = 20;

/**
 * The command side of ingest: validate every item, drop redeliveries, fold each touched account's stream,
 * decide every new fact in input order (a fact may rely on an earlier one of the same command), and append
 * all of them at once with each stream's expected version. A version conflict means another writer got in
 * between: read again and decide again. Refusals are thrown as `IngestRefused` errors; the edges answer them.
 */
@CommandHandler(IngestEventsCommand)
export class IngestEventsHandler implements ICommandHandler<IngestEventsCommand, IngestResult[]>, BeforeApplicationShutdown {
  private readonly locks = new KeyedLock();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: Metrics,
  ) {}

  execute(command: IngestEventsCommand): Promise<IngestResult[]> {
    if (this.closing) return Promise.reject(new IngestShuttingDown(!command.batch));
    const running = this.run(command).then((results) => {
      const duplicates = results.filter((r) => r.duplicate).length;
      this.metrics.eventsAppended.inc({ via: command.via }, results.length - duplicates);
      this.metrics.duplicates.inc({ via: command.via }, duplicates);
      return results;
    });
    this.inFlight.add(running);
    void running.catch(() => undefined).finally(() => this.inFlight.delete(running));
    return running;
  }

  /**
   * Shutdown finishes the commands in hand (their client may be gone, the work is not) before the pool closes,
   * and refuses new ones so that a caller retries elsewhere.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(command: IngestEventsCommand): Promise<IngestResult[]> {
    const single = !command.batch;
    const validated = validateItems(command.items, this.clock());
    if (!validated.ok) throw new EventsInvalid(validated.errors, single);
    const { items } = validated;
    const forbidden = forbiddenItems(items, command.writer);
    if (forbidden.length > 0) throw new EventsForbidden(forbidden, single);
    const accounts = new Set(items.filter((i) => i.firstIndex === i.index).map((i) => i.event.accountId));
    return this.locks.withLocks(accounts, () =>
      retry(() => this.attempt(items, command.writer, single), {
        attempts: MAX_ATTEMPTS,
        retryOn: (error) => error instanceof WrongExpectedVersionError,
        // Jittered and growing to 250 ms: a command that lost to another process's burst of commands on the same
        // account (each of which commits as soon as the previous one has) waits the burst out instead of losing 20 times.
        delayMs: (attempt) => Math.random() * Math.min(250, 5 * 1.5 ** attempt),
        exhausted: () => new WritesKeptConflicting(MAX_ATTEMPTS, single),
      }),
    );
  }

  private async attempt(items: IngestItem[], writer: Writer, single: boolean): Promise<IngestResult[]> {
    const stored = await this.store.readEvents([...new Set(items.map((i) => i.event.eventId))]);
    const fresh = items.filter((i) => i.firstIndex === i.index && !stored.has(i.event.eventId));
    const streams = await this.loadStreams(new Set(fresh.map((i) => i.event.accountId)));

    const rejections: Array<{ index: number; rejection: Rejection }> = [];
    const appends = new Map<string, NewEvent[]>();
    for (const item of fresh) {
      const stream = streams.get(item.event.accountId)!;
      const decision = decide({ type: 'RecordFact', event: item.event }, stream.state);
      if (!decision.ok) {
        rejections.push({ index: item.index, rejection: decision.rejection });
        continue;
      }
      stream.append(decision.events);
      const events = appends.get(item.event.accountId) ?? [];
      for (const event of decision.events) events.push(encodeEvent(event, writer.recordedBy));
      appends.set(item.event.accountId, events);
    }
    if (rejections.length > 0) throw new EventsRejected(rejections, single);

    const streamAppends: StreamAppend[] = [...appends].map(([accountId, events]) => {
      const { version } = streams.get(accountId)!;
      return { streamId: accountStreamId(accountId), expectedVersion: version < 0 ? 'no_stream' : version, events };
    });
    const appended = new Map<string, AppendResult>();
    for (const results of await this.store.append(streamAppends)) for (const r of results) appended.set(r.eventId, r);

    return items.map((item) => {
      const first = appended.get(item.event.eventId);
      if (first) return { ...resultOf(first, item.event), duplicate: first.duplicate || item.firstIndex !== item.index };
      const earlier = decodeEvent(stored.get(item.event.eventId)!);
      return { ...resultOf(earlier, earlier), duplicate: true };
    });
  }

  /** Every touched account's stream in one read, folded. */
  private async loadStreams(accountIds: Set<string>): Promise<Map<string, AccountStream>> {
    const read = await this.store.readStreams([...accountIds].map(accountStreamId));
    const streams = new Map<string, AccountStream>();
    for (const accountId of accountIds) {
      const events = (read.get(accountStreamId(accountId)) ?? []).map(decodeEvent);
      streams.set(accountId, new AccountStream(accountId, events, events.length === 0 ? -1 : events[events.length - 1].version));
    }
    return streams;
  }
}

function resultOf(
  event: Pick<AppendResult, 'eventId' | 'version' | 'globalPosition'>,
  fact: Pick<NewAccountEvent, 'accountId'>,
): Omit<IngestResult, 'duplicate'> {
  return { eventId: event.eventId, accountId: fact.accountId, version: event.version, globalPosition: event.globalPosition };
}
