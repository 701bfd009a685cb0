import { BeforeApplicationShutdown, Inject } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  accountStreamId,
  AccountStream,
  decide,
  DECISION_EVENT_TYPES,
  decodeEvent,
  encodeEvent,
  NewAccountEvent,
  Rejection,
} from '@rapport/domain';
import {
  AppendResult,
  EVENT_STORE,
  EventsAlreadyStoredError,
  EventStore,
  NewEvent,
  PrecedingAppendFailedError,
  RecordedEvent,
  StreamAppend,
  WrongExpectedVersionError,
} from '@rapport/event-store';
import { CLOCK, Clock, Metrics } from '@rapport/platform';
import { retry } from '@rapport/retry';
import { KeyedLock } from '../../keyed-lock';
import { AccountStreamCache, HeldStream } from './account-stream-cache';
import { EventsForbidden, EventsInvalid, EventsRejected, IngestShuttingDown, WritesKeptConflicting } from './ingest-errors';
import { forbiddenItems, IngestItem, validateItems } from './ingest-items';
import { IngestEventsCommand, IngestResult, Writer } from './ingest-events.command';

/**
 * Events folded into the account states kept between commands (those of the facts decisions depend on: interactions
 * and usage are not folded), unless RAPPORT_INGEST_CACHE_EVENTS says otherwise: ~0.5 KiB an event folded (the ingest
 * process grew from 269 to 767 MiB over bench/import when every event was folded; it peaks at ~330 MiB now).
 */
const CACHED_EVENTS = 1_000_000;

/** Attempts against other processes' writes to the same accounts before giving up. */
const MAX_ATTEMPTS = 20;

/**
 * The command side of ingest: validate every item, drop redeliveries, fold each touched account's stream (its facts
 * that decisions depend on, kept between commands, so that only what other writers appended since is read; the whole
 * stream where a retraction is decided), decide every new fact in input order
 * (a fact may rely on an earlier one of the same command), and append all of them at once with each stream's
 * expected version. A version conflict means another writer got in between: read again and decide again.
 * Refusals are thrown as `IngestRefused` errors; the edges answer them.
 *
 * Commands on the same accounts take turns deciding (the accounts' locks), but not writing: a command decided on the
 * streams as held queues its append and puts the streams back at once, its events counted, so that the next command
 * decides on them while the first is written; its append follows the first (`AppendOptions.after`), is written
 * after it, often in the same transaction, and is refused if it fails. Concurrent batches, which touch many of the
 * same accounts, then no longer wait for each other's commits.
 */
@CommandHandler(IngestEventsCommand)
export class IngestEventsHandler implements ICommandHandler<IngestEventsCommand, IngestResult[]>, BeforeApplicationShutdown {
  private readonly locks = new KeyedLock();
  private readonly streams: AccountStreamCache;
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: Metrics,
    config: ConfigService,
  ) {
    this.streams = new AccountStreamCache(Number(config.get<string>('RAPPORT_INGEST_CACHE_EVENTS') ?? CACHED_EVENTS));
  }

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
    const accountIds = [...new Set(items.filter((i) => i.firstIndex === i.index).map((i) => i.event.accountId))];
    // Once an append decided on the streams as held has failed, the next attempts read them.
    let read = false;
    return retry(
      async () => {
        // Only an append queued on the streams as held settles after the locks, and may fail there.
        const { written } = await this.locks.withLocks(accountIds, () => this.attempt(items, accountIds, command.writer, single, read));
        return written.catch((error: unknown) => {
          read = true;
          throw error;
        });
      },
      {
        attempts: MAX_ATTEMPTS,
        // Another writer got in between (or a redelivery, or an account guessed new that was not, in an append queued
        // on the streams as held; or the append it followed failed): read, and decide again.
        retryOn: (error) => {
          const reason = retryReason(error);
          if (reason) this.metrics.ingestRetries.inc({ reason });
          return reason !== undefined;
        },
        // Jittered and growing to 250 ms: a command that lost to another process's burst of commands on the same
        // account (each of which commits as soon as the previous one has) waits the burst out instead of losing 20 times.
        delayMs: (attempt) => Math.random() * Math.min(250, 5 * 1.5 ** attempt),
        exhausted: () => new WritesKeptConflicting(MAX_ATTEMPTS, single),
      },
    );
  }

  /**
   * One attempt, under the accounts' locks. Decided on the streams as held, the append is queued and `written`
   * settles after the locks are released; decided on the streams as read, it is written under them.
   */
  private async attempt(
    items: IngestItem[],
    /** The accounts of the items, each once. */
    accountIds: readonly string[],
    writer: Writer,
    single: boolean,
    read: boolean,
  ): Promise<{ written: Promise<IngestResult[]> }> {
    const held = new Map<string, HeldStream | undefined>(accountIds.map((id) => [id, this.streams.take(id)] as const));
    const retracting = new Set(items.filter((i) => i.event.type === 'EventRetracted').map((i) => i.event.accountId));
    // An account this process does not hold, which the command opens, is most likely new: it is decided on an empty
    // stream without reading, and the append's expected version ('no_stream') checks that guess under the write lock.
    const guessed = new Set(read ? [] : openedHere(items).filter((id) => !held.get(id) && !retracting.has(id)));
    /** The held streams folded refused decisions in place: they are read whole. */
    let refolded = false;
    // A held stream is its state alone; a retraction folds the stream again, so its account is read whole.
    if (!read && accountIds.every((id) => !retracting.has(id) && (held.get(id) || guessed.has(id)))) {
      // Every stream is held: decide without reading. The append checks what reading would have: the expected
      // versions (nothing appended since) and that no event is stored already (no redelivery).
      const streams = new Map(accountIds.map((id) => [id, held.get(id)?.stream ?? AccountStream.ofDecisions(id, [], -1)] as const));
      try {
        return { written: this.decideAndQueue(items, streams, held, writer, single) };
      } catch (error) {
        // A refusal a redelivery may explain: read, and decide again on the streams as stored.
        if (!(error instanceof EventsRejected)) throw error;
        refolded = true;
      }
    }
    // Read on a held stream once the append of its last events is written; were it not, read the stream whole.
    await Promise.all(
      [...held].map(async ([accountId, entry]) => {
        const written =
          !entry?.writing ||
          (await entry.writing.then(
            () => true,
            () => false,
          ));
        if (!entry || !written || refolded || retracting.has(accountId)) held.delete(accountId);
      }),
    );
    // One round trip: the idempotency check, and what other writers appended since the streams held here. Of a
    // stream not held, only the facts decisions depend on are read (a long stream is mostly interactions and usage),
    // but where the command retracts an event: a retraction may name any event of its stream.
    const stored = await this.store.readForAppend(
      [...new Set(items.map((i) => i.event.eventId))],
      accountIds.map((id) => ({
        streamId: accountStreamId(id),
        afterVersion: held.get(id)?.stream.version ?? -1,
        types: retracting.has(id) ? undefined : DECISION_EVENT_TYPES,
      })),
    );
    const streams = new Map<string, AccountStream>();
    const retracted: string[] = [];
    for (const accountId of accountIds) {
      const tail = stored.tails.get(accountStreamId(accountId))!.map(decodeEvent);
      const version = stored.versions.get(accountStreamId(accountId))!;
      const stream = held.get(accountId)?.stream;
      if (!stream) {
        streams.set(
          accountId,
          retracting.has(accountId) ? new AccountStream(accountId, tail, version) : AccountStream.ofDecisions(accountId, tail, version),
        );
      } else if (tail.some((e) => e.type === 'EventRetracted')) retracted.push(accountId);
      else {
        stream.append(tail);
        stream.stored(version);
        streams.set(accountId, stream);
      }
    }
    // Another writer retracted an event of a stream held as its state alone: fold those streams whole.
    if (retracted.length > 0) {
      const whole = await this.store.readStreams(retracted.map(accountStreamId));
      for (const accountId of retracted) streams.set(accountId, streamOf(accountId, whole.get(accountStreamId(accountId))!));
    }
    return { written: Promise.resolve(await this.decideAndAppend(items, streams, stored.stored, writer, single)) };
  }

  /**
   * Decides every item on its stream as held and queues the append, which follows those the streams were kept on;
   * the streams go back to the cache at once, their versions counting this append. Throws the refusals before
   * anything is queued; what it returns settles once the append is written.
   */
  private decideAndQueue(
    items: IngestItem[],
    streams: Map<string, AccountStream>,
    held: Map<string, HeldStream | undefined>,
    writer: Writer,
    single: boolean,
  ): Promise<IngestResult[]> {
    const fresh = items.filter((i) => i.firstIndex === i.index);
    const appends = decideAll(fresh, streams, writer, single);
    const after = [...held.values()].flatMap((entry) => (entry?.writing ? [entry.writing] : []));
    const writing = this.store.append(streamAppendsOf(appends, streams), { onlyNew: true, after });
    for (const [accountId, stream] of streams) {
      const events = appends.get(accountId)?.length ?? 0;
      if (events > 0) stream.stored(stream.version + events);
      this.streams.keep(stream, events > 0 ? writing : held.get(accountId)?.writing);
    }
    return writing.then(
      (results) => {
        for (const accountId of appends.keys()) this.streams.settled(accountId, writing, true);
        const appended = byEventId(results);
        return items.map((item) => resultOf(appended.get(item.event.eventId)!, item.event, item.firstIndex !== item.index));
      },
      (error: unknown) => {
        for (const accountId of appends.keys()) this.streams.settled(accountId, writing, false);
        throw error;
      },
    );
  }

  /**
   * Decides the items not stored yet on the streams as read, in input order, and appends what they record, under
   * the accounts' locks. The streams go back to the cache once stored.
   */
  private async decideAndAppend(
    items: IngestItem[],
    streams: Map<string, AccountStream>,
    stored: Map<string, RecordedEvent>,
    writer: Writer,
    single: boolean,
  ): Promise<IngestResult[]> {
    const fresh = items.filter((i) => i.firstIndex === i.index && !stored.has(i.event.eventId));
    const appends = decideAll(fresh, streams, writer, single);
    const appended = byEventId(await this.store.append(streamAppendsOf(appends, streams)));

    for (const [accountId, stream] of streams) {
      const written = appends.get(accountId)?.map((e) => appended.get(e.eventId)!) ?? [];
      // A duplicate here means another writer stored that event between the read and the append: refold next time.
      if (written.some((r) => r.duplicate)) continue;
      if (written.length > 0) stream.stored(written[written.length - 1].version);
      this.streams.keep(stream);
    }

    return items.map((item) => {
      const first = appended.get(item.event.eventId);
      if (first) return resultOf(first, item.event, first.duplicate || item.firstIndex !== item.index);
      const earlier = decodeEvent(stored.get(item.event.eventId)!);
      return resultOf(earlier, earlier, true);
    });
  }
}

/**
 * Decides each item on its account's stream, in input order, folding each decision in (a fact may rely on an
 * earlier one of the command): the events to append by account. Throws every refusal at once; the streams with
 * refused decisions folded in must then not be kept.
 */
function decideAll(
  fresh: readonly IngestItem[],
  streams: Map<string, AccountStream>,
  writer: Writer,
  single: boolean,
): Map<string, NewEvent[]> {
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
  return appends;
}

/** Each account's events, on the version its stream was decided on. */
function streamAppendsOf(appends: Map<string, NewEvent[]>, streams: Map<string, AccountStream>): StreamAppend[] {
  return [...appends].map(([accountId, events]) => {
    const { version } = streams.get(accountId)!;
    return { streamId: accountStreamId(accountId), expectedVersion: version < 0 ? 'no_stream' : version, events };
  });
}

/** Why an attempt is worth another on the streams as read (see `rapport_ingest_retries_total`), if it is. */
function retryReason(error: unknown): 'conflict' | 'redelivery' | 'followed_failed' | undefined {
  if (error instanceof WrongExpectedVersionError) return 'conflict';
  if (error instanceof EventsAlreadyStoredError) return 'redelivery';
  if (error instanceof PrecedingAppendFailedError) return 'followed_failed';
  return undefined;
}

/** The accounts whose first item in the command (redeliveries within it left out) opens them. */
function openedHere(items: readonly IngestItem[]): string[] {
  const first = new Map<string, IngestItem>();
  for (const item of items) if (item.firstIndex === item.index && !first.has(item.event.accountId)) first.set(item.event.accountId, item);
  return [...first].filter(([, item]) => item.event.type === 'AccountOpened').map(([accountId]) => accountId);
}

/** An account's stream from its stored events, from the first one on. */
function streamOf(accountId: string, events: readonly RecordedEvent[]): AccountStream {
  return new AccountStream(accountId, events.map(decodeEvent), events.length > 0 ? events[events.length - 1].version : -1);
}

function resultOf(
  event: Pick<AppendResult, 'eventId' | 'version' | 'globalPosition'>,
  fact: Pick<NewAccountEvent, 'accountId'>,
  duplicate: boolean,
): IngestResult {
  return { eventId: event.eventId, accountId: fact.accountId, version: event.version, globalPosition: event.globalPosition, duplicate };
}

/** The append's results by event id: a batch's thousand, without an array of pairs and a flattened copy first. */
function byEventId(results: readonly AppendResult[][]): Map<string, AppendResult> {
  const map = new Map<string, AppendResult>();
  for (const list of results) for (const result of list) map.set(result.eventId, result);
  return map;
}
