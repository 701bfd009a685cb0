import { Pool, PoolClient } from 'pg';
import { accountIdOfStream, ScoringConfig, TimedAccountEvent, utcDay } from '@rapport/domain';
import { EventStore, RecordedEvent, Subscription } from '@rapport/event-store';
import { AccountProjection, evaluationTime, projectAccount } from './account-projection';
import { OutboundEvent, outboundEvents, PreviousFigures } from './outbound-events';
import { migrateOutbox, writeOutbox } from './outbox';
import { ensureActiveReadModel, readActiveReadModel } from './read-model-schemas';
import { readCheckpoint, writeAccountProjections, writeCheckpoint } from './read-model-writer';
import { schemaName } from './read-model.sql';

export interface ProjectorLog {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ReadModelProjectorOptions {
  batchSize?: number;
  /** Accounts whose events are kept in memory between batches (least recently used ones are dropped). */
  cachedAccounts?: number;
  /** Accounts re-evaluated per chunk by the daily re-evaluation. */
  reevaluationChunk?: number;
  /** First wait after a failure; it doubles with each failure in a row, up to 5 s. */
  retryDelayMs?: number;
}

/** The read model moved under this projector (a rebuild swapped it, or another projector wrote it): start over from it. */
class ReadModelMoved extends Error {}

/** An account's events up to a position, and the position of the last of them. */
interface AccountEvents {
  events: TimedAccountEvent[];
  lastPosition: number;
}

function accountEvents(recorded: readonly RecordedEvent[]): AccountEvents {
  return { events: recorded.map(timedEvent), lastPosition: recorded.length ? recorded[recorded.length - 1].globalPosition : 0 };
}

export function timedEvent(event: RecordedEvent): TimedAccountEvent {
  return { eventId: event.eventId, type: event.type, data: event.data, occurredAt: String(event.metadata.occurredAt) } as TimedAccountEvent;
}

/**
 * Keeps the read models up to date: follows the global log from the read model's checkpoint and, per batch, in one
 * transaction, replaces the rows of every touched account (recomputed from its events up to the batch) and moves
 * the checkpoint. A crash anywhere rolls the batch back and it is projected again, to the same rows.
 * Stored figures are evaluated at the end of the current UTC day; at each UTC midnight (and at start, if a day was
 * missed) every account is re-evaluated, since health decays with time alone.
 */
export class ReadModelProjector {
  private subscription?: Subscription;
  private running?: Promise<void>;
  private stopped = false;
  private schema = '';
  private position = 0;
  private readonly cache = new Map<string, AccountEvents>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Failures since the last committed batch, for the back-off. */
  private failures = 0;
  private midnight?: NodeJS.Timeout;
  private readonly batchSize: number;
  private readonly cachedAccounts: number;
  private readonly reevaluationChunk: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly clock: () => Date,
    private readonly config: ScoringConfig,
    private readonly log: ProjectorLog,
    options: ReadModelProjectorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.cachedAccounts = options.cachedAccounts ?? 5_000;
    this.reevaluationChunk = options.reevaluationChunk ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 50;
  }

  /** Position of the last event in the read model, as this projector knows it. */
  get checkpoint(): number {
    return this.position;
  }

  start(): void {
    this.stopped = false;
    this.running = this.run();
    this.scheduleMidnight();
  }

  /** Finishes the batch in hand, then stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.midnight) clearTimeout(this.midnight);
    await this.subscription?.stop();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.serially(() => this.load());
        if (this.stopped) break;
        this.subscription = this.store.subscribeToAll({ after: this.position, batchSize: this.batchSize }, (events) => this.serially(() => this.project(events)));
        await this.subscription.done;
      } catch (error) {
        if (this.stopped) break;
        if (!(error instanceof ReadModelMoved)) {
          this.failures += 1;
          this.log.error(`projection failed; starting again from the checkpoint (failure ${this.failures} in a row)`, error);
          await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, this.retryDelayMs * 2 ** (this.failures - 1))));
        }
      }
    }
  }

  /** Reads which schema is active and its checkpoint; re-evaluates every account if a day was missed. */
  private async load(): Promise<void> {
    await migrateOutbox(this.pool);
    const active = await ensureActiveReadModel(this.pool);
    this.schema = active.schema;
    this.cache.clear();
    const client = await this.pool.connect();
    try {
      const checkpoint = await readCheckpoint(client, this.schema);
      this.position = checkpoint.position;
      const today = utcDay(this.clock());
      if (checkpoint.evaluationDay !== today) await this.reevaluateAllLocked(client);
    } finally {
      client.release();
    }
  }

  /** Batches and re-evaluations never overlap: one writer per read model per process. */
  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async project(events: RecordedEvent[]): Promise<void> {
    await this.inTransaction(async (client, checkpoint) => {
      const fresh = events.filter((e) => e.globalPosition > checkpoint.position);
      if (fresh.length === 0) return;
      const upTo = fresh[fresh.length - 1].globalPosition;
      const touched = new Map<string, RecordedEvent[]>();
      for (const event of fresh) {
        const accountId = accountIdOfStream(event.streamId);
        if (accountId !== undefined) touched.set(accountId, [...(touched.get(accountId) ?? []), event]);
      }
      const histories = await this.histories(touched, upTo);
      const at = evaluationTime(this.clock());
      const projections = [...histories].map(([accountId, history]) => this.projectOne(accountId, history, at));
      const previous = await this.previousFigures(client, projections.map((p) => p.accountId));
      const outbound = projections.flatMap((p) => {
        const cause = touched.get(p.accountId)!.at(-1)!;
        return outboundEvents(previous.get(p.accountId), p, { eventId: cause.eventId, globalPosition: cause.globalPosition }, String(cause.metadata.occurredAt));
      });
      await writeAccountProjections(client, this.schema, projections);
      await writeOutbox(client, outbound);
      await writeCheckpoint(client, this.schema, upTo, checkpoint.evaluationDay ?? utcDay(at));
      return upTo;
    });
  }

  /**
   * Each touched account's events up to `upTo`. The log is immutable and delivered in order, so an account whose
   * events are in the cache needs only this batch's; the others are read from the store once.
   */
  private async histories(touched: Map<string, RecordedEvent[]>, upTo: number): Promise<Map<string, AccountEvents>> {
    const missing = [...touched.keys()].filter((id) => !this.cache.has(id));
    const read = missing.length > 0 ? await this.store.readStreams(missing.map((id) => `account-${id}`)) : new Map<string, RecordedEvent[]>();
    const histories = new Map<string, AccountEvents>();
    for (const [accountId, batchEvents] of touched) {
      const cached = this.cache.get(accountId);
      const history = cached
        ? { events: [...cached.events, ...batchEvents.map(timedEvent)], lastPosition: batchEvents[batchEvents.length - 1].globalPosition }
        : accountEvents((read.get(`account-${accountId}`) ?? []).filter((e) => e.globalPosition <= upTo));
      histories.set(accountId, history);
      this.remember(accountId, history);
    }
    return histories;
  }

  private remember(accountId: string, history: AccountEvents): void {
    this.cache.delete(accountId);
    this.cache.set(accountId, history);
    while (this.cache.size > this.cachedAccounts) this.cache.delete(this.cache.keys().next().value!);
  }

  private projectOne(accountId: string, history: AccountEvents, at: Date): AccountProjection {
    return projectAccount(accountId, history.events, history.lastPosition, at, this.config);
  }

  /** Every account again at the end of today, in one transaction with the checkpoint. */
  async reevaluateAll(): Promise<void> {
    await this.serially(async () => {
      const client = await this.pool.connect();
      try {
        await this.reevaluateAllLocked(client);
      } finally {
        client.release();
      }
    });
  }

  private async reevaluateAllLocked(client: PoolClient): Promise<void> {
    await client.query('BEGIN');
    try {
      const active = await readActiveReadModel(client, 'share');
      if (active?.schema !== this.schema) throw new ReadModelMoved();
      const checkpoint = await readCheckpoint(client, this.schema, true);
      const at = evaluationTime(this.clock());
      const { rows } = await client.query<{ account_id: string }>(`SELECT account_id FROM ${schemaName(this.schema)}.rm_accounts ORDER BY account_id`);
      for (let i = 0; i < rows.length; i += this.reevaluationChunk) {
        const ids = rows.slice(i, i + this.reevaluationChunk).map((r) => r.account_id);
        const streams = await this.store.readStreams(ids.map((id) => `account-${id}`));
        const projections = ids.map((id) =>
          this.projectOne(id, accountEvents((streams.get(`account-${id}`) ?? []).filter((e) => e.globalPosition <= checkpoint.position)), at),
        );
        const previous = await this.previousFigures(client, ids);
        const cause = { reevaluation: utcDay(at), globalPosition: checkpoint.position };
        const outbound: OutboundEvent[] = projections.flatMap((p) => outboundEvents(previous.get(p.accountId), p, cause, at.toISOString()));
        await writeAccountProjections(client, this.schema, projections);
        await writeOutbox(client, outbound);
      }
      await writeCheckpoint(client, this.schema, checkpoint.position, utcDay(at));
      await client.query('COMMIT');
      this.log.info(`re-evaluated ${rows.length} accounts as of ${at.toISOString()}`);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  /** The stored figures that outbound events compare against. */
  private async previousFigures(client: PoolClient, accountIds: string[]): Promise<Map<string, PreviousFigures>> {
    const { rows } = await client.query<{ account_id: string; health_score: number | null; health_band: string | null; churn_score: number; signals: Array<{ name: string }> }>(
      `SELECT account_id, health_score, health_band, churn_score, signals FROM ${schemaName(this.schema)}.rm_accounts WHERE account_id = ANY($1::text[])`,
      [accountIds],
    );
    return new Map(rows.map((r) => [r.account_id, { healthScore: r.health_score, healthBand: r.health_band, churnScore: r.churn_score, signals: r.signals }]));
  }

  private scheduleMidnight(): void {
    const now = this.clock();
    const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 0, 1);
    this.midnight = setTimeout(() => {
      this.reevaluateAll()
        .catch((error) => this.log.error('daily re-evaluation failed; it runs again at the next start or midnight', error))
        .finally(() => !this.stopped && this.scheduleMidnight());
    }, next - now.getTime());
    this.midnight.unref();
  }

  /** Runs `work` in a transaction holding the active-schema pointer (shared) and the checkpoint row. */
  private async inTransaction(work: (client: PoolClient, checkpoint: { position: number; evaluationDay: string | null }) => Promise<number | void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const active = await readActiveReadModel(client, 'share');
      const checkpoint = active?.schema === this.schema ? await readCheckpoint(client, this.schema, true) : undefined;
      if (!checkpoint || checkpoint.position !== this.position) throw new ReadModelMoved();
      const upTo = await work(client, checkpoint);
      await client.query('COMMIT');
      this.failures = 0;
      if (typeof upTo === 'number') this.position = upTo;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
