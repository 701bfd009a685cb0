import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, Pool, PoolClient, QueryResult } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyJson, copyText, CopyTextBuffer, migrate, TAB } from '@rapport/postgres';
import { AppendPlanContext, assertValidAppend, awaitPrecedingAppends, planAppend, PlannedEvent } from '../append-planner';
import {
  AppendOptions,
  AppendResult,
  ChainLink,
  CompactEvent,
  CompactReadOptions,
  EventStore,
  PrecedingAppendFailedError,
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
import { CanonicalBody, ChainScheme, GENESIS_HASH, SHA256_JCS_CHAIN } from '../hash-chain';
import { pollingSubscription } from '../polling-subscription';
import { EVENT_STORE_MIGRATIONS } from './event-store.migrations';
import { HeadRow, LogKnowledge } from './log-knowledge';
import * as sql from './event-store.sql';

/** The most positions one statement of a type-filtered read covers. */
const MAX_TYPE_FILTER_WINDOW = 200_000;

export interface PostgresEventStoreOptions {
  /** Most events written in one coalesced transaction. */
  maxEventsPerTransaction?: number;
  /** Subscriptions re-read at least this often, should a notification be lost. */
  idleWaitMs?: number;
  /** Writes of at least this many events use COPY; smaller ones one INSERT statement. */
  copyThreshold?: number;
  /** Groups written at once at most: one, and those written ahead of it (see writeAhead). */
  groupsInFlight?: number;
  /** Positions the first statement of a type-filtered read of the log covers (see readAllOfTypes). */
  typeFilterWindow?: number;
  /** Matches a type-filtered statement aims at: the next window is sized from the last one's density. */
  typeFilterTarget?: number;
  /** How events are chained; only bench/append passes another scheme than the default, to measure what the chain costs. */
  chain?: ChainScheme;
  /** Streams whose last version the writer keeps from its own work (see LogKnowledge); the oldest learned go first. */
  knownStreams?: number;
  /** This process's clock (ms since the epoch), for the transaction time of groups written on a known head. */
  clock?: () => number;
}

/** See connectWriter: the failing statement reports the session's end. */
const ignoreSessionError = () => undefined;

interface PendingAppend {
  streams: StreamAppend[];
  options: AppendOptions;
  eventCount: number;
  /** Each event's data and metadata in JCS form, by event id: what is written, and the bulk of what is hashed. */
  bodies: Map<string, CanonicalBody>;
  outcome: AppendOutcome;
  /** The outcomes of the appends it follows (`AppendOptions.after`), queued before it. */
  follows: AppendOutcome[];
  resolve: (results: AppendResult[][]) => void;
  reject: (error: unknown) => void;
}

/** Whether an append failed, once it has: what the appends that follow it (`AppendOptions.after`) are checked against. */
interface AppendOutcome {
  failed: boolean;
}

/** What a group's plan leaves: what the group written ahead of its commit plans on (see writeAhead). */
interface GroupPlan {
  /** The plan's context once planned: the head, and the versions and events of the group's streams, as it leaves them. */
  context: AppendPlanContext;
  /** The appends refused, this group's and those of the groups before it still in flight: their followers are refused. */
  refused: ReadonlySet<AppendOutcome>;
  /** The head's hash once the group's rows are chained (null: no chain, or an empty log). */
  lastHash: Promise<string | null>;
  /** Set at the group's commit, when the writer's LogKnowledge learns what the plan knew. */
  committed: boolean;
  /** The plan of the group before it, while that group is in flight (it was planned on it). */
  earlier?: GroupPlan;
}

/** What the plans of `plan` and the groups before it, still in flight, say of a stream's version or of an event. */
function plannedInFlight<T>(plan: GroupPlan | undefined, find: (context: AppendPlanContext) => T | undefined): T | undefined {
  for (let p = plan; p && !p.committed; p = p.earlier) {
    const found = find(p.context);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A group being written: its plan once made (undefined if it failed first), and whether it committed. */
interface GroupWrite {
  plan: Promise<GroupPlan | undefined>;
  committed: Promise<boolean>;
  settled: boolean;
}

/** What a group's write gives back: the connection for the next group (undefined when released), and its commit. */
interface GroupWritten {
  client?: PoolClient;
  committed: boolean;
}

/**
 * The event store on PostgreSQL.
 *
 * Global order: a position assigned by a sequence becomes visible at commit, so a reader could see 12 before 11
 * commits and skip 11 forever. Here every append first locks the single `rapport_log_head` row and takes its
 * positions from it; PostgreSQL releases a transaction's locks only after its commit is visible, so the next writer
 * starts after the previous one's events are visible, and readers filtering `global_position > n` never skip.
 * The positions are gapless as a bonus.
 *
 * The price of that lock is one writer at a time across all processes. To pay it once for many appends, a process
 * queues appends that arrive while its transaction is running and writes them together in the next one
 * (each still atomic and version-checked on its own): under load, more events share each commit.
 * The lock is held for two round trips (begin, lock and read duplicates and versions; write and commit), three
 * for large writes, which go through COPY: PostgreSQL parses it several times faster than array parameters.
 * While this store is the log's only writer, a group of `onlyNew` appends to streams it knows skips the read: it is
 * planned on the head and versions the store's own commits left (LogKnowledge), and the statement that takes the
 * lock checks that the head is still that one, so a small group is written in one round trip. A stream it does not
 * know, which the group's appends expect not to exist, is planned as new: the unique index on versions refuses it if
 * it does. Refused (another writer appended, or a version is taken), the group is written again the usual way.
 *
 * Large groups do not wait for the lock to write their rows. Behind a group in flight, more are written ahead (up to
 * `groupsInFlight` groups in flight in all), each on its own connection: planned on what the groups before them will leave, their rows
 * COPYed without the lock, the lock taken only to check the head and commit, in queue order (writeAhead). The rows of
 * several groups are then parsed and indexed on several backends at once, as several plain COPYs would be.
 *
 * An append may follow earlier ones still queued or being written (`AppendOptions.after`): the queue keeps it behind
 * them, and its plan refuses it when one of them failed, in an earlier group or earlier in its own.
 *
 * Under the same lock each event is chained to the previous one (`hash-chain.ts`), and its transaction time is the
 * later of the clock and the previous append's: times never go back along the log, so "recorded by T" is a prefix.
 */
export class PostgresEventStore implements EventStore, TamperEvidentLog {
  private readonly queue: PendingAppend[] = [];
  /** The events of the appends in `queue`. */
  private queuedEvents = 0;
  private writing = false;
  /** Wakes the writer waiting for either its group in flight or a new append. */
  private wake?: () => void;
  private listener?: Client;
  private listenerStarting?: Promise<void>;
  private readonly wakers = new Set<() => void>();
  private readonly subscriptions = new Set<Subscription>();
  private closed = false;
  private readonly maxEventsPerTransaction: number;
  private readonly copyThreshold: number;
  private readonly groupsInFlight: number;
  private readonly idleWaitMs: number;
  private readonly typeFilterWindow: number;
  private readonly typeFilterTarget: number;
  private readonly chain: ChainScheme;
  private readonly knowledge: LogKnowledge;
  /** The outcome of each append by the promise it returned, for the appends that name it in `after`. */
  private readonly outcomes = new WeakMap<Promise<unknown>, AppendOutcome>();

  constructor(
    private readonly pool: Pool,
    options: PostgresEventStoreOptions = {},
  ) {
    this.maxEventsPerTransaction = options.maxEventsPerTransaction ?? 10_000;
    this.idleWaitMs = options.idleWaitMs ?? 500;
    this.copyThreshold = options.copyThreshold ?? 64;
    this.groupsInFlight = options.groupsInFlight ?? 4;
    this.typeFilterWindow = options.typeFilterWindow ?? 20_000;
    this.typeFilterTarget = options.typeFilterTarget ?? 5_000;
    this.chain = options.chain ?? SHA256_JCS_CHAIN;
    this.knowledge = new LogKnowledge(options.knownStreams ?? 100_000, options.clock ?? Date.now);
  }

  /** Creates or upgrades the schema (versioned migrations, once per database whatever the number of processes). */
  async migrate(): Promise<void> {
    await migrate(this.pool, 'rapport_event_store', EVENT_STORE_MIGRATIONS);
  }

  append(streams: StreamAppend[], options: AppendOptions = {}): Promise<AppendResult[][]> {
    assertValidAppend(streams);
    const follows: AppendOutcome[] = [];
    for (const preceding of options.after ?? []) {
      const outcome = this.outcomes.get(preceding);
      // Not an append of this store (or one with no event): written after it settles, as other adapters do.
      if (!outcome)
        return awaitPrecedingAppends(streams, options.after!).then(() => this.append(streams, { ...options, after: undefined }));
      follows.push(outcome);
    }
    const eventCount = streams.reduce((n, s) => n + s.events.length, 0);
    if (eventCount === 0) {
      const nothing = streams.map((): AppendResult[] => []);
      return follows.length > 0 ? awaitPrecedingAppends(streams, options.after!).then(() => nothing) : Promise.resolve(nothing);
    }
    // Serialised here, while an earlier group may hold the write lock, rather than under it.
    const bodies = new Map<string, CanonicalBody>();
    for (const stream of streams) for (const event of stream.events) bodies.set(event.eventId, this.chain.body(event));
    const outcome: AppendOutcome = { failed: false };
    const appended = new Promise<AppendResult[][]>((resolve, reject) => {
      this.queue.push({ streams, options, eventCount, bodies, outcome, follows, resolve, reject });
      this.queuedEvents += eventCount;
      this.wake?.();
      void this.drain();
    });
    this.outcomes.set(appended, outcome);
    return appended;
  }

  /**
   * Writes the queue a group at a time, up to `groupsInFlight` groups at once: a large group is written while the
   * groups before it are still being written (writeAhead), each on its own connection. A queue of many events is
   * split between the groups that may start, so that their rows are parsed on as many backends at once.
   */
  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    // Connections kept for a run of groups, given back when the queue is empty: taking one from the pool for each group
    // cost ~0.7 ms of a ~5 ms cycle under POST /v1/events (the pool hands it over on a later turn of the event loop).
    const idle: PoolClient[] = [];
    const inFlight: GroupWrite[] = [];
    try {
      for (;;) {
        while (inFlight.length > 0 && inFlight[0].settled) inFlight.shift();
        // While groups are in flight, a queue too small to be written ahead waits for them, and grows: appends that
        // arrive meanwhile share its commit.
        const waits = inFlight.length > 0 && !(this.queuedEvents >= this.copyThreshold && (idle.length > 0 || this.poolHasRoom()));
        if (this.queue.length === 0 || waits) {
          if (inFlight.length === 0) break;
          await Promise.race([inFlight[0].committed, new Promise<void>((resolve) => (this.wake = resolve))]);
          this.wake = undefined;
          continue;
        }
        const limit = Math.max(SPLIT_GROUP_EVENTS, Math.ceil(this.queuedEvents / (this.groupsInFlight - inFlight.length)));
        const { group, events } = this.takeGroup(Math.min(limit, this.maxEventsPerTransaction));
        inFlight.push(this.startGroup(group, events, inFlight[inFlight.length - 1], idle));
        if (inFlight.length >= this.groupsInFlight) await inFlight[0].committed;
      }
    } finally {
      for (const client of idle) this.releaseWriter(client);
      this.writing = false;
    }
  }

  /** The next group: appends in queue order, up to `limit` events (the first one whatever its size), and its events. */
  private takeGroup(limit: number): { group: PendingAppend[]; events: number } {
    const group: PendingAppend[] = [this.queue.shift()!];
    let events = group[0].eventCount;
    while (this.queue.length > 0 && events + this.queue[0].eventCount <= limit) {
      const next = this.queue.shift()!;
      events += next.eventCount;
      group.push(next);
    }
    this.queuedEvents -= events;
    return { group, events };
  }

  /**
   * Starts a group's write. Behind a group in flight, a large one is written ahead (writeAhead); any other waits for
   * it to settle. The connection comes from `idle` and goes back to it.
   */
  private startGroup(group: PendingAppend[], events: number, previous: GroupWrite | undefined, idle: PoolClient[]): GroupWrite {
    let planned!: (plan: GroupPlan | undefined) => void;
    const plan = new Promise<GroupPlan | undefined>((resolve) => (planned = resolve));
    const write: GroupWrite = { plan, committed: Promise.resolve(false), settled: false };
    write.committed = (async () => {
      try {
        let written: GroupWritten;
        if (previous && !previous.settled && events >= this.copyThreshold && (idle.length > 0 || this.poolHasRoom())) {
          // Taken now, while the pool has room: a group that waited for a connection could wait for this writer's own.
          written = await this.writeAhead(group, idle.pop() ?? this.connectWriter(), previous, planned);
        } else {
          if (previous) await previous.committed;
          written = await this.writeGroup(group, idle.pop(), false, planned);
        }
        if (written.client) idle.push(written.client);
        return written.committed;
      } finally {
        planned(undefined);
        write.settled = true;
      }
    })();
    return write;
  }

  /**
   * Whether the pool can hand a connection over without waiting: a group written ahead must not wait for one, since
   * the connections the writer keeps for its groups go back to the pool only once its queue is empty.
   */
  private poolHasRoom(): boolean {
    return this.pool.idleCount > 0 || this.pool.totalCount < (this.pool.options.max ?? 10);
  }

  /**
   * A connection for the writer. While it holds it, the server may end the session (a restart, an administrator);
   * pg then emits an error event on the client, which would end the process without a listener. The statement in
   * flight, or the next one, fails too, and the group's failure releases the connection as broken.
   */
  private async connectWriter(): Promise<PoolClient> {
    const client = await this.pool.connect();
    client.on('error', ignoreSessionError);
    return client;
  }

  private releaseWriter(client: PoolClient, broken?: Error): void {
    client.removeListener('error', ignoreSessionError);
    client.release(broken);
  }

  /**
   * Writes a group in one transaction. The ids of `onlyNew` appends are not looked up under the lock: their callers
   * vouch that none is stored. One that is meets the unique index on event ids, and the group is written again with
   * every id looked up (`lookUpAll`), so that the planner refuses that append alone. A deadlock (only ever with a
   * group written ahead by another process, see writeAhead) writes it again too. Writes on `held` (else on a
   * connection from the pool); tells `onPlanned` what its first plan leaves, for the groups written ahead of its
   * commit; gives back whether it committed, and the connection for the next group (undefined when released).
   */
  private async writeGroup(
    group: PendingAppend[],
    held: PoolClient | undefined,
    lookUpAll = false,
    onPlanned?: (plan: GroupPlan) => void,
    deadlocks = 0,
  ): Promise<GroupWritten> {
    let client = held;
    let onKnownHead = false;
    let outcomes: PlannedGroup['outcomes'];
    let chained!: (hash: string | null) => void;
    const lastHash = new Promise<string | null>((resolve) => (chained = resolve));
    try {
      client ??= await this.connectWriter();
      const known =
        !lookUpAll && group.every((pending) => pending.options.onlyNew)
          ? this.knowledge.contextFor(streamsOf(group), streamsExpectedNew(group))
          : undefined;
      let begun = known ?? (await this.beginAppend(client, group, lookUpAll));
      let plan = this.planGroup(group, begun.context);
      if (known && plan.outcomes.some((outcome) => !outcome.ok && !(outcome.error instanceof PrecedingAppendFailedError))) {
        // A refusal is the log's answer, not that of what this store knows of it: read, and plan again (but for an
        // append behind one that failed, which this store refuses itself).
        begun = await this.beginAppend(client, group, lookUpAll);
        plan = this.planGroup(group, begun.context);
      } else onKnownHead = known !== undefined;
      // The head as read or known, before the plan moved the context's: what the lock checks, and what stays if nothing is written.
      const { context, headHash, head: from } = begun;
      const { planned, bodies } = plan;
      outcomes = plan.outcomes;
      const left: GroupPlan = { context, refused: plan.refused, lastHash, committed: false };
      onPlanned?.(left);
      const rows = new ChainedRows(this.chain, bodies, context.recordedAt, headHash);
      const lock = onKnownHead ? sql.lockKnownHeadSQL(from, context.recordedAt) : '';
      if (planned.length >= this.copyThreshold) {
        if (onKnownHead) await client.query(lock);
        await rows.copy(client, planned, chained);
        await client.query(sql.advanceHeadAndCommitSQL({ position: context.head, hash: rows.last, recordedAt: context.recordedAt }));
      } else if (planned.length > 0) {
        const values = planned.map((event) => rows.row(event));
        chained(rows.last);
        await client.query(
          lock + sql.insertAndCommitSQL(values, { position: context.head, hash: rows.last, recordedAt: context.recordedAt }),
        );
      } else {
        chained(from.hash);
        if (!onKnownHead) await client.query('COMMIT');
      }
      this.knowledge.committed(
        { position: context.head, hash: planned.length > 0 ? rows.last : from.hash, recordedAt: context.recordedAt },
        context.versions,
      );
      left.committed = true;
    } catch (error) {
      // Whatever waits on this group's chain learns of the failure from its commit.
      chained(null);
      await this.rollBack(client, error);
      // A group written again may plan otherwise than it told `onPlanned` first: the group written ahead on that first
      // plan is then refused at its lock (writeAhead), and written again itself.
      if (onKnownHead && isRefusedKnowledge(error)) return this.writeGroup(group, undefined, false, onPlanned, deadlocks);
      if (!lookUpAll && isEventIdConflict(error) && group.some((pending) => pending.options.onlyNew)) {
        return this.writeGroup(group, undefined, true, onPlanned, deadlocks);
      }
      if (isDeadlock(error) && deadlocks < MAX_DEADLOCK_RETRIES)
        return this.writeGroup(group, undefined, lookUpAll, onPlanned, deadlocks + 1);
      for (const pending of group) {
        pending.outcome.failed = true;
        pending.reject(error);
      }
      return { committed: false };
    }
    settle(group, outcomes);
    return { client, committed: true };
  }

  /**
   * Writes a large group while the group before it (`previous`) is still being written, on its own connection, so
   * that PostgreSQL parses both groups' rows at once, on two backends, instead of one after the other.
   *
   * The group is planned on what the previous group's plan leaves: its head and the hash its rows end on, and the
   * versions and events of the groups still in flight (plannedInFlight), then what this writer's commits left
   * (LogKnowledge). A stream none of them knows is read, without the lock. The ids of the group's events are not
   * looked up: a stored one meets the unique index, and the group is written again the usual way, which looks them up.
   * Its rows are written without the lock too: their positions, versions and ids are not those of the groups in
   * flight, so none waits for another. Only once the previous group has committed does this one take the lock, with a
   * check that the head is the one the previous group left (lockHeadLeftSQL), and commit. A head that is not means
   * that the previous plan was not what committed, or that another process's writer appended in between (so what
   * was read may be stale): the group is rolled back and written again the usual way, as when the previous group
   * failed. Readers still see the log a whole commit at a time in position order: this group commits after the
   * previous one, and the chain of checks back to a group that read the head under the lock means that no other
   * writer's commit came between.
   *
   * Another process's writer that took the lock in between may need a position this group's uncommitted rows hold,
   * while this group waits for its lock: PostgreSQL ends one of the two after `deadlock_timeout` (1 s by default),
   * and that group is written again (MAX_DEADLOCK_RETRIES).
   */
  private async writeAhead(
    group: PendingAppend[],
    connection: PoolClient | Promise<PoolClient>,
    previous: GroupWrite,
    onPlanned: (plan: GroupPlan) => void,
  ): Promise<GroupWritten> {
    let client: PoolClient | undefined;
    let outcomes: PlannedGroup['outcomes'];
    let chained!: (hash: string | null) => void;
    const lastHash = new Promise<string | null>((resolve) => (chained = resolve));
    try {
      client = await connection;
      const base = await previous.plan;
      if (!base) {
        await previous.committed;
        return await this.writeGroup(group, client, false, onPlanned);
      }
      const streamIds = new Set<string>();
      const known = new Map<string, Omit<AppendResult, 'duplicate'>>();
      const versions = new Map<string, number>();
      for (const pending of group) {
        for (const stream of pending.streams) {
          const version = plannedInFlight(base, (c) => c.versions.get(stream.streamId)) ?? this.knowledge.versionOf(stream.streamId);
          if (version === undefined) streamIds.add(stream.streamId);
          else versions.set(stream.streamId, version);
          for (const event of stream.events) {
            const stored = plannedInFlight(base, (c) => c.known.get(event.eventId));
            if (stored) known.set(event.eventId, stored);
          }
        }
      }
      let now: number;
      if (streamIds.size > 0) {
        const results = (await client.query(sql.beginAheadSQL([...streamIds]))) as unknown as QueryResult[];
        now = (results[1].rows[0] as { now: Date }).now.getTime();
        for (const row of results[2].rows as sql.EventRow[]) versions.set(row.stream_id, row.version ?? -1);
      } else {
        now = this.knowledge.serverNow();
        await client.query('BEGIN');
      }
      const recordedAt = new Date(Math.max(now, base.context.recordedAt.getTime()));
      const from = base.context.head;
      const context: AppendPlanContext = { known, versions, head: from, recordedAt };
      const plan = this.planGroup(group, context, base.refused);
      const { planned, bodies } = plan;
      outcomes = plan.outcomes;
      const left: GroupPlan = { context, refused: plan.refused, lastHash, committed: false, earlier: base };
      onPlanned(left);
      const fromHash = await base.lastHash;
      const rows = new ChainedRows(this.chain, bodies, recordedAt, fromHash);
      if (planned.length >= this.copyThreshold) await rows.copy(client, planned, chained);
      else if (planned.length > 0) {
        const values = planned.map((event) => rows.row(event));
        chained(rows.last);
        await client.query(sql.insertSQL(values, recordedAt));
      } else chained(fromHash);
      if (!(await previous.committed)) throw new PreviousGroupFailed();
      const lock = sql.lockHeadLeftSQL({ position: from, hash: fromHash }, recordedAt);
      const head = { position: context.head, hash: planned.length > 0 ? rows.last : fromHash, recordedAt };
      await client.query(lock + (planned.length > 0 ? sql.advanceHeadAndCommitSQL(head) : 'COMMIT'));
      this.knowledge.committed(head, context.versions);
      left.committed = true;
      // Nothing before it is in flight any more: what it was planned on may go.
      left.earlier = undefined;
    } catch (error) {
      chained(null);
      await this.rollBack(client, error);
      // Written again the usual way, which reports a failure of its own (this one may stem from the stale plan).
      await previous.committed;
      return this.writeGroup(group, undefined, false, onPlanned);
    }
    settle(group, outcomes);
    return { client, committed: true };
  }

  /** After a failed write: rolls back and releases the connection; nothing is known of the log until it is read again. */
  private async rollBack(client: PoolClient | undefined, error: unknown): Promise<void> {
    // A connection that cannot roll back is broken: the pool drops it rather than hand it out again.
    const rolledBack = await client?.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    if (client) this.releaseWriter(client, rolledBack ? undefined : (error as Error));
    // Whether a failed commit took effect is unknown.
    this.knowledge.forget();
  }

  /**
   * Each append of the group planned on `context` in turn (each sees those before it), with the bodies of its events.
   * One that follows an append that failed, earlier or refused here, is refused.
   */
  private planGroup(group: PendingAppend[], context: AppendPlanContext, refusedBefore?: ReadonlySet<AppendOutcome>): PlannedGroup {
    const planned: PlannedEvent[] = [];
    const bodies = new Map<string, CanonicalBody>();
    const outcomes: PlannedGroup['outcomes'] = [];
    // Only those of groups in flight: a settled append's outcome says whether it failed.
    const refused = new Set<AppendOutcome>();
    for (const outcome of refusedBefore ?? []) if (!outcome.failed) refused.add(outcome);
    for (const pending of group) {
      try {
        if (pending.follows.some((preceding) => preceding.failed || refused.has(preceding))) {
          throw new PrecedingAppendFailedError(pending.streams.map((s) => s.streamId));
        }
        const plan = planAppend(context, pending.streams, pending.options);
        planned.push(...plan.planned);
        for (const event of plan.planned) bodies.set(event.eventId, pending.bodies.get(event.eventId)!);
        outcomes.push({ ok: true, results: plan.results });
      } catch (error) {
        refused.add(pending.outcome);
        outcomes.push({ ok: false, error });
      }
    }
    return { planned, bodies, outcomes, refused };
  }

  /**
   * Opens the transaction, takes the write lock, and reads the group's stream versions and the stored events among
   * its ids, but for `onlyNew` appends' (see writeGroup).
   */
  private async beginAppend(
    client: PoolClient,
    group: PendingAppend[],
    lookUpAll: boolean,
  ): Promise<{ context: AppendPlanContext; head: HeadRow; headHash: string }> {
    const ids = new Set<string>();
    const streamIds = new Set<string>();
    for (const pending of group) {
      const lookUp = lookUpAll || !pending.options.onlyNew;
      for (const stream of pending.streams) {
        streamIds.add(stream.streamId);
        if (lookUp) for (const event of stream.events) ids.add(event.eventId);
      }
    }
    const results = (await client.query(sql.beginAppendSQL([...ids], [...streamIds]))) as unknown as QueryResult[];
    const headRow = results[1].rows[0] as { position: string; hash: string | null };
    const head: HeadRow = { position: Number(headRow.position), hash: headRow.hash };
    const { now, clock } = results[2].rows[0] as { now: Date; clock: Date };
    this.knowledge.read(head, clock);
    const known = new Map<string, RecordedEvent>();
    const versions = new Map<string, number>();
    for (const row of results[3].rows as sql.EventRow[]) {
      if (row.event_id === null) versions.set(row.stream_id, row.version ?? -1);
      else known.set(row.event_id, toRecorded(row));
    }
    return {
      context: { known, versions, head: head.position, recordedAt: now },
      head,
      headHash: head.hash ?? GENESIS_HASH,
    };
  }

  async readStreams(streamIds: readonly string[], filter: StreamsFilter = {}): Promise<Map<string, RecordedEvent[]>> {
    const streams = new Map<string, RecordedEvent[]>(streamIds.map((id) => [id, []]));
    if (streamIds.length === 0) return streams;
    const { rows } = await this.pool.query<sql.EventRow>(sql.readStreamsSQL, [streamIds, filter.types ?? null, filter.until ?? null]);
    for (const row of rows) streams.get(row.stream_id)!.push(toRecorded(row));
    return streams;
  }

  async readStream(streamId: string, options: { fromVersion?: number; limit?: number } = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<sql.EventRow>(sql.readStreamSQL, [streamId, options.fromVersion ?? 0, options.limit ?? null]);
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    if (options.types) return this.readAllOfTypes(options, options.types);
    const { rows } =
      options.until !== undefined
        ? await this.pool.query<sql.EventRow>(sql.readAllFilteredSQL, [options.after, options.limit, null, options.until])
        : await this.pool.query<sql.EventRow>(sql.readAllSQL, [options.after, options.limit]);
    return rows.map(toRecorded);
  }

  /**
   * A read filtered by type, one window of positions a statement. Without a window, a statement's cost rests on the
   * planner's statistics: right after a large import, before autovacuum has analysed the table, PostgreSQL expects
   * few rows in the position range, bitmap-scans all of it and sorts every match on disk, for each page (bench/query
   * measured 2.4 s for the metrics' log read that way, 1 s once analysed). A window bounds what any plan can touch
   * (positions are gapless, so a window of n positions holds at most n events). Each next window is sized from the
   * matches the last one held, aiming at `typeFilterTarget` (a sort of a few megabytes), up to 200,000 positions:
   * a rare type, such as retractions, is found in a few statements, a frequent one in bounded sorts.
   */
  private readAllOfTypes(options: ReadAllOptions, types: readonly string[]): Promise<RecordedEvent[]> {
    return this.readWindows(options.after, options.until, options.limit, (after, limit, windowEnd) =>
      this.pool.query<sql.EventRow>(sql.readAllFilteredSQL, [after, limit, types, windowEnd]).then(({ rows }) => rows.map(toRecorded)),
    );
  }

  async readAllCompact(options: CompactReadOptions): Promise<CompactEvent[]> {
    return this.readWindows(options.after, options.until, options.limit, async (after, limit, windowEnd) => {
      const { rows } = await this.pool.query<sql.CompactRow>(sql.readAllCompactSQL, [
        after,
        limit,
        options.types,
        windowEnd,
        options.metadataField,
      ]);
      return rows.map((row) => ({
        globalPosition: Number(row.global_position),
        eventId: row.event_id,
        streamId: row.stream_id,
        type: row.type,
        data: row.data,
        field: row.field,
      }));
    });
  }

  /** Reads (after, until] a window at a time (see readAllOfTypes), up to `limit` events. */
  private async readWindows<E>(
    from: number,
    untilOption: number | undefined,
    limit: number,
    read: (after: number, limit: number, windowEnd: number) => Promise<E[]>,
  ): Promise<E[]> {
    const until = Math.min(untilOption ?? Number.POSITIVE_INFINITY, await this.headPosition());
    const events: E[] = [];
    let after = from;
    let window = this.typeFilterWindow;
    while (events.length < limit && after < until) {
      const windowEnd = Math.min(after + window, until);
      const wanted = limit - events.length;
      const rows = await read(after, wanted, windowEnd);
      for (const row of rows) events.push(row);
      if (rows.length === wanted) return events;
      const density = rows.length / (windowEnd - after);
      window = Math.max(1, Math.min(MAX_TYPE_FILTER_WINDOW, Math.round(density > 0 ? this.typeFilterTarget / density : window * 4)));
      after = windowEnd;
    }
    return events;
  }

  async readEvents(eventIds: readonly string[]): Promise<Map<string, RecordedEvent>> {
    if (eventIds.length === 0) return new Map();
    const { rows } = await this.pool.query<sql.EventRow>(sql.selectEventsByIdSQL, [eventIds]);
    return new Map(rows.map((row) => [row.event_id, toRecorded(row)]));
  }

  async readForAppend(eventIds: readonly string[], streams: readonly StreamTail[]): Promise<ReadForAppend> {
    const { text, values } = sql.readForAppendQuery(eventIds, streams);
    const { rows } = await this.pool.query<sql.EventRow & { part: number }>(text, values);
    const stored = new Map<string, RecordedEvent>();
    const tails = new Map<string, RecordedEvent[]>(streams.map((s) => [s.streamId, []]));
    const versions = new Map<string, number>(streams.map((s) => [s.streamId, -1]));
    for (const row of rows) {
      if (row.part === 0) stored.set(row.event_id, toRecorded(row));
      else if (row.part === 1) tails.get(row.stream_id)!.push(toRecorded(row));
      else versions.set(row.stream_id, row.version ?? -1);
    }
    return { stored, tails, versions };
  }

  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>(sql.headPositionSQL);
    return Number(rows[0].position);
  }

  async positionAt(instant: Date): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>(sql.positionAtSQL, [instant]);
    return Number(rows[0].position);
  }

  async readChain(options: ReadChainOptions): Promise<ChainLink[]> {
    const { rows } = await this.pool.query<sql.EventRow & { hash: string | null; prev_hash: string | null }>(sql.readChainSQL, [
      options.after,
      options.until ?? Number.MAX_SAFE_INTEGER,
      options.streamId ?? null,
      options.limit,
    ]);
    return rows.map((row) => ({ ...toRecorded(row), hash: row.hash, prevHash: row.prev_hash }));
  }

  async recordedHead(): Promise<RecordedHead> {
    const { rows } = await this.pool.query<{ position: string; hash: string | null; recorded_at: Date | null }>(sql.recordedHeadSQL);
    return { position: Number(rows[0].position), hash: rows[0].hash, recordedAt: rows[0].recorded_at };
  }

  subscribeToAll(options: SubscribeOptions, handler: (events: RecordedEvent[]) => Promise<void>): Subscription {
    void this.ensureListener();
    const subscription = pollingSubscription({
      after: options.after,
      batchSize: options.batchSize ?? 1000,
      read: (after, limit) => this.readAll({ after, limit }),
      onAppended: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
      idleWaitMs: this.idleWaitMs,
      handler,
    });
    this.subscriptions.add(subscription);
    subscription.done.finally(() => this.subscriptions.delete(subscription)).catch(() => undefined);
    return subscription;
  }

  /** One LISTEN connection per store wakes every subscription at each commit; if it drops, polling carries on. */
  private ensureListener(): Promise<void> {
    if (this.listener || this.listenerStarting || this.closed) return this.listenerStarting ?? Promise.resolve();
    this.listenerStarting = (async () => {
      const client = new Client(this.pool.options);
      client.on('notification', () => this.wakers.forEach((wake) => wake()));
      client.on('error', () => {
        this.listener = undefined;
        client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void this.ensureListener(), this.idleWaitMs).unref();
      });
      try {
        await client.connect();
        await client.query(`LISTEN ${sql.NOTIFY_CHANNEL}`);
        this.listener = client;
      } catch {
        await client.end().catch(() => undefined);
        if (!this.closed) setTimeout(() => void this.ensureListener(), this.idleWaitMs).unref();
      }
    })().finally(() => {
      this.listenerStarting = undefined;
    });
    return this.listenerStarting;
  }

  /** Stops subscriptions, waits for queued appends, then closes the LISTEN connection. The pool belongs to the caller. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    while (this.writing || this.queue.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await this.listenerStarting;
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }
}

/**
 * A queue of more events than this is split between the groups that may start (groupsInFlight). In bench/append's
 * four writers of 1,000 events, groups of ~2,000 with two in flight ran at 0.55–0.66 of raw COPY; groups of 1,000
 * with four in flight at 0.75–0.92 (docs/benchmarks.md, "Groups written ahead of the lock").
 */
const SPLIT_GROUP_EVENTS = 1000;

/** Rows a COPY message carries: large enough to stay few messages, small enough to overlap hashing with parsing. */
const COPY_CHUNK_ROWS = 250;

/** Planned events as the rows written, each chained to the one before it, from the head's hash. */
class ChainedRows {
  private hash: string | null;
  private readonly at: string;

  constructor(
    private readonly chain: ChainScheme,
    private readonly bodies: Map<string, CanonicalBody>,
    private readonly recordedAt: Date,
    headHash: string | null,
  ) {
    this.hash = headHash;
    this.at = recordedAt.toISOString();
  }

  /** The hash of the last row made: the head's once every row is. */
  get last(): string | null {
    return this.hash;
  }

  row(event: PlannedEvent): sql.EventRowValues {
    const body = this.bodies.get(event.eventId)!;
    this.hash = this.chain.link(event, body, this.at, this.hash ?? GENESIS_HASH);
    return {
      globalPosition: event.globalPosition,
      eventId: event.eventId,
      streamId: event.streamId,
      version: event.version,
      type: event.type,
      data: body.data,
      metadata: body.metadata,
      schemaVersion: event.schemaVersion,
      hash: this.hash,
    };
  }

  /**
   * COPYs the rows, chained and sent a chunk at a time, so that PostgreSQL parses one chunk while the next is hashed;
   * `chained` learns the last hash once every row is made.
   */
  async copy(client: PoolClient, planned: PlannedEvent[], chained: (hash: string | null) => void): Promise<void> {
    const chunks = function* (this: ChainedRows) {
      for (let i = 0; i < planned.length; i += COPY_CHUNK_ROWS) {
        yield copyRows(
          planned.slice(i, i + COPY_CHUNK_ROWS).map((event) => this.row(event)),
          this.recordedAt,
        );
      }
      chained(this.hash);
    };
    await pipeline(Readable.from(chunks.call(this)), client.query(copyFrom(sql.copyEventsSQL)));
  }
}

/**
 * COPY text format: tab-separated, one event a line; JSON never holds raw tabs or newlines, only backslashes to double.
 * One buffer for the whole write: COPY in many small messages measured twice as slow. Written field by field
 * (`CopyTextBuffer`): the same lines as template strings, joined and encoded, took ~2.5 µs a row more.
 */
function copyRows(events: sql.EventRowValues[], recordedAt: Date): Buffer {
  const at = recordedAt.toISOString();
  let expected = 0;
  for (const e of events) expected += e.data.length + e.metadata.length + e.streamId.length + e.type.length + ROW_ASCII_BYTES;
  const text = new CopyTextBuffer(expected);
  for (const e of events) {
    // The position, the id (a UUID: the planner checks it), the versions, the instant and the hash are ASCII.
    text
      .ascii(`${e.globalPosition}\t${e.eventId}\t`)
      .text(copyText(e.streamId))
      .ascii(`\t${e.version}\t`)
      .text(copyText(e.type))
      .byte(TAB)
      .text(copyJson(e.data))
      .byte(TAB)
      .text(copyJson(e.metadata))
      .ascii(`\t${e.schemaVersion}\t${at}\t${e.hash === null ? '\\N' : `\\\\x${e.hash}`}\n`);
  }
  return text.result();
}

/** A line's bytes beside its texts: tabs, the newline, the numbers, the UUID, the instant and the hash (≤ 200). */
const ROW_ASCII_BYTES = 200;

interface PlannedGroup {
  planned: PlannedEvent[];
  bodies: Map<string, CanonicalBody>;
  outcomes: Array<{ ok: true; results: AppendResult[][] } | { ok: false; error: unknown }>;
  /** The appends refused, with those refused before the group (planGroup's `refusedBefore`). */
  refused: Set<AppendOutcome>;
}

/** A group written ahead of the group before it, which failed. */
class PreviousGroupFailed extends Error {}

/** Each append of a committed group told its outcome. */
function settle(group: PendingAppend[], outcomes: PlannedGroup['outcomes']): void {
  group.forEach((pending, index) => {
    const outcome = outcomes[index];
    if (outcome.ok) pending.resolve(outcome.results);
    else {
      pending.outcome.failed = true;
      pending.reject(outcome.error);
    }
  });
}

/**
 * Deadlocks happen only between a group written ahead and another process's writer (see writeAhead); PostgreSQL
 * ends one of the two, whose group is written again.
 */
const MAX_DEADLOCK_RETRIES = 3;

function isDeadlock(error: unknown): boolean {
  return (error as { code?: string }).code === '40P01';
}

function streamsOf(group: PendingAppend[]): Set<string> {
  const streamIds = new Set<string>();
  for (const pending of group) for (const stream of pending.streams) streamIds.add(stream.streamId);
  return streamIds;
}

/** The streams to which every append of the group expects `no_stream`. */
function streamsExpectedNew(group: PendingAppend[]): Set<string> {
  const expectedNew = new Set<string>();
  const otherwise = new Set<string>();
  for (const pending of group) {
    for (const { streamId, expectedVersion } of pending.streams) (expectedVersion === 'no_stream' ? expectedNew : otherwise).add(streamId);
  }
  for (const streamId of otherwise) expectedNew.delete(streamId);
  return expectedNew;
}

/**
 * A group written on the head its store knew, refused because the log is not what the store knew: the head moved
 * (lockKnownHeadSQL's check), or a version it planned is taken.
 */
function isRefusedKnowledge(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === sql.KNOWN_HEAD_REFUSED || (code === '23505' && constraint === 'rapport_events_stream_version_key');
}

/** A row refused by the unique index on event ids: an `onlyNew` append's event was stored after all. */
function isEventIdConflict(error: unknown): boolean {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'rapport_events_event_id_key';
}

function toRecorded(row: sql.EventRow): RecordedEvent {
  return {
    globalPosition: Number(row.global_position),
    eventId: row.event_id,
    streamId: row.stream_id,
    version: row.version,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    schemaVersion: row.schema_version,
    recordedAt: row.recorded_at,
  };
}
