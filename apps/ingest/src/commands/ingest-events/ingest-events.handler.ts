import { BeforeApplicationShutdown, Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  accountStreamId,
  AccountHistory,
  AccountHistoryEvent,
  AccountNotFoundError,
  AccountRuleError,
  decide,
  EventEnvelope,
  eventIdFor,
  SCHEMA_VERSION,
  validateEnvelope,
} from '@rapport/domain';
import { AppendResult, EVENT_STORE, EventStore, NewEvent, RecordedEvent, StreamAppend, WrongExpectedVersionError } from '@rapport/event-store';
import { CLOCK, Clock, Metrics, ProblemFieldError } from '@rapport/platform';
import { KeyedLock } from '../../keyed-lock';
import { brokenRules, invalidEvents, shuttingDown, tooManyConflicts } from './ingest-errors';
import { IngestEventsCommand, IngestResult } from './ingest-events.command';

/** Attempts against other processes' writes to the same accounts before giving up with 409. */
const MAX_ATTEMPTS = 20;

interface Item {
  index: number;
  envelope: EventEnvelope;
  eventId: string;
  /** Index of the first item with the same idempotency key, when this one repeats it. */
  firstIndex: number;
}

/**
 * The command side of ingest: validate every item, drop redeliveries, fold each touched account's stream,
 * decide every new fact in input order (a fact may rely on an earlier one of the same command), and append
 * all of them at once with each stream's expected version. A version conflict means another writer got in
 * between: read again and decide again.
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
    if (this.closing) return Promise.reject(shuttingDown());
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
   * and refuses new ones with 503 so that a caller retries elsewhere.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.inFlight]);
  }

  private async run(command: IngestEventsCommand): Promise<IngestResult[]> {
    const single = command.items.length === 1;
    const items = this.validate(command.items, single);
    const accounts = new Set(items.filter((i) => i.firstIndex === i.index).map((i) => i.envelope.accountId));
    return this.locks.withLocks(accounts, async () => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        try {
          return await this.attempt(items, single);
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError)) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
        }
      }
      throw tooManyConflicts(MAX_ATTEMPTS);
    });
  }

  private validate(inputs: readonly unknown[], single: boolean): Item[] {
    const now = this.clock();
    const errors: ProblemFieldError[] = [];
    const items: Item[] = [];
    const firstIndexByKey = new Map<string, number>();
    inputs.forEach((input, index) => {
      const result = validateEnvelope(input, now);
      if (!result.ok) {
        errors.push(...result.errors.map((e) => ({ index, ...e })));
        return;
      }
      const eventId = eventIdFor(result.envelope.source);
      const firstIndex = firstIndexByKey.get(eventId) ?? index;
      firstIndexByKey.set(eventId, firstIndex);
      items.push({ index, envelope: result.envelope, eventId, firstIndex });
    });
    if (errors.length > 0) throw invalidEvents(errors, single);
    return items;
  }

  private async attempt(items: Item[], single: boolean): Promise<IngestResult[]> {
    const stored = await this.store.readEvents([...new Set(items.map((i) => i.eventId))]);
    const fresh = items.filter((i) => i.firstIndex === i.index && !stored.has(i.eventId));
    const histories = await this.loadHistories(new Set(fresh.map((i) => i.envelope.accountId)));

    const errors: ProblemFieldError[] = [];
    const appends = new Map<string, NewEvent[]>();
    for (const item of fresh) {
      const { envelope } = item;
      const history = histories.get(envelope.accountId)!;
      try {
        decide(history.history, envelope);
      } catch (error) {
        if (error instanceof AccountNotFoundError) {
          errors.push({ index: item.index, field: 'accountId', code: error.code, message: error.message });
          continue;
        }
        if (error instanceof AccountRuleError) {
          errors.push({ index: item.index, field: error.field ?? '', code: error.code, message: error.message });
          continue;
        }
        throw error;
      }
      history.history.record({ eventId: item.eventId, type: envelope.type, data: envelope.data } as AccountHistoryEvent);
      const events = appends.get(envelope.accountId) ?? [];
      events.push(toNewEvent(item));
      appends.set(envelope.accountId, events);
    }
    if (errors.length > 0) throw brokenRules(errors, single);

    const streams: StreamAppend[] = [...appends].map(([accountId, events]) => {
      const version = histories.get(accountId)!.version;
      return { streamId: accountStreamId(accountId), expectedVersion: version < 0 ? 'no_stream' : version, events };
    });
    const appended = new Map<string, AppendResult>();
    for (const results of await this.store.append(streams)) for (const r of results) appended.set(r.eventId, r);

    return items.map((item) => {
      const first = appended.get(item.eventId);
      if (first) return { ...resultOf(first, item.envelope.accountId), duplicate: first.duplicate || item.firstIndex !== item.index };
      const earlier = stored.get(item.eventId)!;
      return { ...resultOf(earlier, String(earlier.metadata.accountId)), duplicate: true };
    });
  }

  /** Every touched account's stream in one read, folded. */
  private async loadHistories(accountIds: Set<string>): Promise<Map<string, { history: AccountHistory; version: number }>> {
    const streams = await this.store.readStreams([...accountIds].map(accountStreamId));
    const histories = new Map<string, { history: AccountHistory; version: number }>();
    for (const accountId of accountIds) {
      const events = streams.get(accountStreamId(accountId)) ?? [];
      histories.set(accountId, {
        history: new AccountHistory(events.map(toHistoryEvent)),
        version: events.length === 0 ? -1 : events[events.length - 1].version,
      });
    }
    return histories;
  }
}

function toNewEvent(item: Item): NewEvent {
  const { type, data, accountId, occurredAt, source, actor } = item.envelope;
  return {
    eventId: item.eventId,
    type,
    data,
    metadata: { accountId, occurredAt, source, ...(actor !== undefined ? { actor } : {}) },
    schemaVersion: SCHEMA_VERSION,
  };
}

function toHistoryEvent(event: RecordedEvent): AccountHistoryEvent {
  return { eventId: event.eventId, type: event.type, data: event.data } as AccountHistoryEvent;
}

function resultOf(event: Pick<AppendResult, 'eventId' | 'version' | 'globalPosition'>, accountId: string): Omit<IngestResult, 'duplicate'> {
  return { eventId: event.eventId, accountId, version: event.version, globalPosition: event.globalPosition };
}
