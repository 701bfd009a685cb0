import { setImmediate as yieldToIO } from 'node:timers/promises';
import { Pool, PoolClient } from 'pg';
import {
  accountIdOfStream,
  accountStreamId,
  decodeEvent,
  decodeStreamEvent,
  PositionedAccountEvent,
  positionedEvent,
  ScoringConfig,
  StoredAccountEvent,
  utcDay,
} from '@rapport/domain';
import { EventStore, RecordedEvent, Subscription } from '@rapport/event-store';
import { Backoff, supervise } from '@rapport/retry';
import { evaluationTime } from './account-projection';
import { AccountEventCache } from './account-event-cache';
import { UtcMidnightTimer } from './daily-timer';
import { PreviousFigures } from './outbound-events';
import { migrateOutbox, writeOutbox } from './outbox';
import {
  causeOf,
  EventCause,
  lastEventOfEachAccount,
  outboundOfTouched,
  ProjectedBatch,
  projectTouched,
  reevaluateAccounts,
  TouchedAccount,
  touchedAccount,
} from './project-batch';
import { ReadModelMoved, withCheckpoint } from './read-model-checkpoint';
import { ensureActiveReadModel } from './read-model-schemas';
import { AccountRows, readCheckpoint, writeAccountProjections, writeAccountRows } from './read-model-writer';
import { rebuildReadModels } from './read-model-rebuild';
import { READ_MODEL_VERSION, schemaName } from './read-model.sql';

/**
 * Accounts projected (and their rows built) between two turns of the event loop, so that the previous batch's
 * transaction moves on meanwhile: each of its round trips waits for the slice in hand (1-2 ms for ten new accounts under
 * bench:pipeline's burst, traced).
 */
const PROJECTION_SLICE = 10;

/** A batch projected ahead of its transaction. */
interface PreparedBatch {
  upTo: number;
  at: Date;
  streams: ReadonlyMap<string, readonly PositionedAccountEvent[]>;
  accounts: ReadonlyArray<readonly [string, EventCause]>;
  /**
   * What outbound events need of each projection, alone: a batch waits for the transaction before it, and all it kept
   * lived through young-generation collections, each copying it again (the projections whole were ~1.8 KB an account).
   */
  touched: TouchedAccount[];
  rows: AccountRows;
}

export interface ProjectorLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ReadModelProjectorOptions {
  /**
   * Events a batch at most (1,000 by default). Under bench:pipeline's burst, with new accounts' rows COPYed, batches of
   * 1,000 took 4–9 % more events a second than batches of 500 (three alternated pairs); of 2,000, no more than of 1,000.
   */
  batchSize?: number;
  /** Accounts whose events are kept in memory between batches (least recently used ones are dropped). */
  cachedAccounts?: number;
  /** Accounts re-evaluated per chunk by the daily re-evaluation. */
  reevaluationChunk?: number;
  /** First wait after a failure; it doubles with each failure in a row, up to 5 s. */
  retryDelayMs?: number;
}

/**
 * Keeps the read models up to date: follows the global log from the read model's checkpoint and, per batch, in one
 * transaction, replaces the rows of every touched account (recomputed from its events up to the batch, by the two
 * halves of `projectBatch`) and moves the checkpoint. A crash anywhere rolls the batch back and it is projected again, to the
 * same rows. Stored figures are evaluated at the end of the current UTC day; at each UTC midnight (and at start, if
 * a day was missed) every account is re-evaluated, since health decays with time alone.
 */
export class ReadModelProjector {
  private subscription?: Subscription;
  private running?: Promise<void>;
  private abort = new AbortController();
  private schema = '';
  private position = 0;
  private readonly cache: AccountEventCache;
  private readonly midnight: UtcMidnightTimer;
  private readonly backoff: Backoff;
  private queue: Promise<unknown> = Promise.resolve();
  /** Position of the last event handed to `prepare`: ahead of `position` while a batch is being written. */
  private projected = 0;
  /** The last batch's transaction, while the next batch is projected. */
  private writing: Promise<void> = Promise.resolve();
  private readonly batchSize: number;
  private readonly reevaluationChunk: number;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly clock: () => Date,
    private readonly config: ScoringConfig,
    private readonly log: ProjectorLog,
    options: ReadModelProjectorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.reevaluationChunk = options.reevaluationChunk ?? 500;
    this.cache = new AccountEventCache(options.cachedAccounts ?? 5_000);
    this.backoff = new Backoff({ initialMs: options.retryDelayMs ?? 50 });
    this.midnight = new UtcMidnightTimer(clock, () =>
      this.reevaluateAll().catch((error) =>
        this.log.error('daily re-evaluation failed; it runs again at the next start or midnight', error),
      ),
    );
  }

  /** Position of the last event in the read model, as this projector knows it. */
  get checkpoint(): number {
    return this.position;
  }

  start(): void {
    this.abort = new AbortController();
    this.running = supervise(() => this.follow(), {
      signal: this.abort.signal,
      backoff: this.backoff,
      restartsAtOnce: (error) => error instanceof ReadModelMoved,
      onFailure: (error, failures) =>
        this.log.error(`projection failed; starting again from the checkpoint (failure ${failures} in a row)`, error),
    });
    this.midnight.start();
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.midnight.stop();
    await this.subscription?.stop();
    await this.running;
  }

  /** Every account again at the end of today, in one transaction with the checkpoint. */
  async reevaluateAll(): Promise<void> {
    await this.serially(() => this.reevaluateAllNow());
  }

  /**
   * Loads the active read model, then projects the log from its checkpoint until the subscription ends. A batch is
   * projected while the one before it is written (`handle`), so its transaction's failure may surface after the
   * subscription has moved on: it ends the subscription and is thrown from here, and the next start goes back to
   * the checkpoint.
   */
  private async follow(): Promise<void> {
    await this.serially(() => this.load());
    if (this.abort.signal.aborted) return;
    this.projected = this.position;
    this.writing = Promise.resolve();
    const subscription = this.store.subscribeToAll({ after: this.position, batchSize: this.batchSize }, (events) =>
      this.handle(events, subscription),
    );
    this.subscription = subscription;
    await subscription.done;
    await this.writing;
  }

  /**
   * Projects the batch (CPU, in slices that let the previous batch's round trips through), then, once the previous
   * batch is written, starts writing this one and returns: the subscription hands over the next batch while this
   * one's transaction runs. One transaction at a time, in log order.
   */
  private async handle(recorded: RecordedEvent[], subscription: Subscription): Promise<void> {
    const prepared = await this.prepare(recorded);
    await this.writing;
    if (prepared === undefined) return;
    const writing = this.serially(() => this.commit(prepared));
    this.writing = writing;
    writing.catch(() => void subscription.stop());
  }

  /** Reads which schema is active and its checkpoint; re-evaluates every account if a day was missed. */
  private async load(): Promise<void> {
    await migrateOutbox(this.pool);
    let active = await ensureActiveReadModel(this.pool);
    if (active.version < READ_MODEL_VERSION) {
      // Read models are upgraded by a rebuild, not migrated: their tables changed with this code.
      this.log.info(`read model ${active.schema} is version ${active.version}; rebuilding it as version ${READ_MODEL_VERSION}`);
      await rebuildReadModels(this.pool, this.store, this.clock, this.config);
      active = await ensureActiveReadModel(this.pool);
    }
    this.schema = active.schema;
    this.cache.clear();
    const client = await this.pool.connect();
    let checkpoint;
    try {
      checkpoint = await readCheckpoint(client, this.schema);
    } finally {
      client.release();
    }
    this.position = checkpoint.position;
    if (checkpoint.evaluationDay !== utcDay(this.clock())) await this.reevaluateAllNow();
  }

  /** Batches and re-evaluations never overlap: one writer per read model per process. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The batch's accounts projected and their rows built: everything that does not depend on the read model's state. */
  private async prepare(recorded: RecordedEvent[]): Promise<PreparedBatch | undefined> {
    const batch = recorded.filter((e) => e.globalPosition > this.projected && accountIdOfStream(e.streamId) !== undefined).map(decodeEvent);
    const upTo = recorded.length > 0 ? recorded[recorded.length - 1].globalPosition : this.projected;
    if (upTo <= this.projected) return undefined;
    this.projected = upTo;
    const at = evaluationTime(this.clock());
    const { streams, begun } = await this.streamsUpTo(batch, upTo);
    const accounts = [...lastEventOfEachAccount(batch)].map(([accountId, event]) => [accountId, causeOf(event)] as const);
    const touched: TouchedAccount[] = [];
    const rows = new AccountRows(this.schema, accounts.length);
    for (let i = 0; i < accounts.length; i += PROJECTION_SLICE) {
      if (i > 0) await yieldToIO();
      const slice = projectTouched(accounts.slice(i, i + PROJECTION_SLICE), streams, at, this.config);
      touched.push(...slice.map(touchedAccount));
      // An account whose stream begins in this batch has no rows yet: no batch before it could have written them.
      rows.add(
        slice.filter((t) => begun.has(t.projection.accountId)).map((t) => t.projection),
        'new',
      );
      rows.add(slice.filter((t) => !begun.has(t.projection.accountId)).map((t) => t.projection));
    }
    return { upTo, at, streams, accounts, touched, rows };
  }

  /** The batch's transaction: its rows, the outbound events its figures raise against the stored ones, the checkpoint. */
  private async commit(prepared: PreparedBatch): Promise<void> {
    const next = await withCheckpoint(this.pool, this.schema, this.position, async (client, checkpoint) => {
      let { at, touched, rows } = prepared;
      const now = evaluationTime(this.clock());
      if (now.getTime() !== at.getTime()) {
        // Projected before a UTC midnight, written after it (and after the day's re-evaluation): project again.
        at = now;
        const projected = projectTouched(prepared.accounts, prepared.streams, at, this.config);
        touched = projected.map(touchedAccount);
        rows = new AccountRows(this.schema).add(projected.map((p) => p.projection));
      }
      // The accounts with rows, whose rows are replaced: a new account's too, should it have some this projector did
      // not write (a read model restored from a backup, say).
      const previous = await this.previousFigures(client, rows.accountIds);
      await writeAccountRows(client, rows, new Set(previous.keys()));
      await writeOutbox(client, outboundOfTouched(touched, previous));
      // A batch changes only its accounts' rows, unless it is the first of a day (the checkpoint's day moves).
      return { position: prepared.upTo, evaluationDay: checkpoint.evaluationDay ?? utcDay(at), accounts: rows.accountIds };
    });
    this.position = next.position;
    this.backoff.succeeded();
  }

  /**
   * Each touched account's stream up to `upTo`: cached streams need only this batch's events, and so do streams
   * that begin in this batch (a new account); the others are read from the store once.
   */
  private async streamsUpTo(
    batch: readonly StoredAccountEvent[],
    upTo: number,
  ): Promise<{ streams: Map<string, PositionedAccountEvent[]>; begun: ReadonlySet<string> }> {
    const touched = new Map<string, PositionedAccountEvent[]>();
    const begunHere = new Set<string>();
    for (const event of batch) {
      const events = touched.get(event.accountId) ?? [];
      if (events.length === 0 && event.version === 0) begunHere.add(event.accountId);
      events.push(positionedEvent(event));
      touched.set(event.accountId, events);
    }
    for (const accountId of begunHere) if (!this.cache.has(accountId)) this.cache.remember(accountId, []);
    const missing = [...touched.keys()].filter((id) => !this.cache.has(id));
    const read = missing.length > 0 ? await this.store.readStreams(missing.map(accountStreamId)) : new Map<string, RecordedEvent[]>();
    const streams = new Map<string, PositionedAccountEvent[]>();
    for (const [accountId, events] of touched) {
      const stream = this.cache.has(accountId)
        ? this.cache.extend(accountId, events)
        : this.cache.remember(
            accountId,
            (read.get(accountStreamId(accountId)) ?? []).filter((e) => e.globalPosition <= upTo).map(decodeStreamEvent),
          );
      streams.set(accountId, stream);
    }
    return { streams, begun: begunHere };
  }

  private async reevaluateAllNow(): Promise<void> {
    let accounts = 0;
    const at = evaluationTime(this.clock());
    // From the stored checkpoint, as the batches' own transactions would see it.
    await withCheckpoint(this.pool, this.schema, undefined, async (client, checkpoint) => {
      const { rows } = await client.query<{ account_id: string }>(
        `SELECT account_id FROM ${schemaName(this.schema)}.rm_accounts ORDER BY account_id`,
      );
      accounts = rows.length;
      for (let i = 0; i < rows.length; i += this.reevaluationChunk) {
        const ids = rows.slice(i, i + this.reevaluationChunk).map((r) => r.account_id);
        const read = await this.store.readStreams(ids.map(accountStreamId));
        const streams = new Map(
          ids.map((id) => [
            id,
            (read.get(accountStreamId(id)) ?? []).filter((e) => e.globalPosition <= checkpoint.position).map(decodeStreamEvent),
          ]),
        );
        await this.write(
          client,
          reevaluateAccounts(streams, await this.previousFigures(client, ids), checkpoint.position, at, this.config),
        );
      }
      return { position: checkpoint.position, evaluationDay: utcDay(at) };
    });
    this.log.info(`re-evaluated ${accounts} accounts as of ${at.toISOString()}`);
  }

  /** `existing`: the accounts the read model held before (the others have no rows to replace). */
  private async write(client: PoolClient, batch: ProjectedBatch, existing?: ReadonlySet<string>): Promise<void> {
    await writeAccountProjections(client, this.schema, batch.projections, existing);
    await writeOutbox(client, batch.outbound);
  }

  /** The stored figures that outbound events compare against. */
  private async previousFigures(client: PoolClient, accountIds: readonly string[]): Promise<Map<string, PreviousFigures>> {
    const { rows } = await client.query<{
      account_id: string;
      health_score: number | null;
      health_band: string | null;
      churn_score: number;
      signals: Array<{ name: string }>;
      overdue_actions: string[];
    }>(
      `SELECT account_id, health_score, health_band, churn_score, signals, overdue_actions FROM ${schemaName(this.schema)}.rm_accounts
       WHERE account_id = ANY($1::text[])`,
      [accountIds],
    );
    return new Map(
      rows.map((r) => [
        r.account_id,
        {
          healthScore: r.health_score,
          healthBand: r.health_band,
          churnScore: r.churn_score,
          signals: r.signals,
          overdueActions: r.overdue_actions,
        },
      ]),
    );
  }
}
