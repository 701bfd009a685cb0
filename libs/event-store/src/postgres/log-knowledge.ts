import { AppendPlanContext } from '../append-planner';
import { GENESIS_HASH } from '../hash-chain';

/** The log's head as a commit left it: its last position, its hash as stored (null: no chain, or no event yet). */
export interface HeadRow {
  position: number;
  hash: string | null;
}

/** The head, with the transaction time of the commit that left it. */
export interface KnownHead extends HeadRow {
  recordedAt: Date;
}

const NONE_EXPECTED_NEW: ReadonlySet<string> = new Set();

/** How far the time a writer puts on events may lie from the server's clock before the server refuses it. */
export const CLOCK_TOLERANCE_MS = 1000;

/**
 * What one store's writer knows of the log from its own work: the head its last commit left, and the last version of
 * the streams it wrote or read since. All of it holds exactly while no other writer has appended, which the writer
 * checks under the write lock in the statement that appends (`lockKnownHeadSQL`): the head is still the one known.
 * It then plans a group against this knowledge instead of reading the streams' versions first, and writes it in one
 * round trip instead of two.
 *
 * The transaction time of such a group is this process's clock corrected by the server's (the offset learned at the
 * last read of the head), never earlier than the head's: the same check refuses it when it lies further than
 * CLOCK_TOLERANCE_MS from the server's clock.
 *
 * The versions are a Map in insertion order: a stream learned again leaves a deleted entry at its old place, which V8
 * keeps until it rehashes the table, and a new iterator walks past every such entry before its first live one. With
 * a new iterator at each commit (even only to find that none need be forgotten), a commit of one stream cost 8.1 µs
 * with 10,000 streams known and 37 µs with 90,000, streams written in turn; looked at only past the bound, from where
 * the last search left it (`forgetOldest`), 0.2–0.7 µs (`npm run bench:caches`).
 */
export class LogKnowledge {
  private head?: KnownHead;
  /** Stream → last version, in the order last learned (the oldest are forgotten first past `maxStreams`). */
  private readonly versions = new Map<string, number>();
  /** The Map's keys from its oldest, where forgetting resumes (see `forgetOldest`). */
  private oldest?: Iterator<string>;
  /** The server's clock minus this process's, at the last read of the head. */
  private clockOffsetMs = 0;

  constructor(
    private readonly maxStreams: number,
    private readonly clock: () => number,
  ) {}

  /**
   * A plan context for a group of appends to `streamIds`, or undefined when some stream's version is not known (or
   * nothing is). `known` is empty: only appends whose events the caller vouches are new (`onlyNew`) may use it.
   * A stream of `expectedNew` (every append to it expects `no_stream`) that this writer does not know is planned as
   * new: were it stored, its first version is taken, and the unique index on versions refuses the group, which is then
   * written again the usual way. A burst of new accounts is then written without reading their streams first.
   */
  contextFor(
    streamIds: Iterable<string>,
    expectedNew: ReadonlySet<string> = NONE_EXPECTED_NEW,
  ): { context: AppendPlanContext; head: KnownHead; headHash: string } | undefined {
    const head = this.head;
    if (!head) return undefined;
    const versions = new Map<string, number>();
    for (const streamId of streamIds) {
      const version = this.versions.get(streamId) ?? (expectedNew.has(streamId) ? -1 : undefined);
      if (version === undefined) return undefined;
      versions.set(streamId, version);
    }
    const recordedAt = new Date(Math.max(this.clock() + this.clockOffsetMs, head.recordedAt.getTime()));
    return { context: { known: new Map(), versions, head: head.position, recordedAt }, head, headHash: head.hash ?? GENESIS_HASH };
  }

  /** A stream's last version as this writer's commits left it, if it knows it. */
  versionOf(streamId: string): number | undefined {
    return this.head ? this.versions.get(streamId) : undefined;
  }

  /** The server's clock as this process estimates it (its own, corrected by the offset learned at the last read). */
  serverNow(): number {
    return this.clock() + this.clockOffsetMs;
  }

  /**
   * What a read under the write lock found: the head, and the server's clock at that moment. A head other than the
   * one known means another writer appended: every version known may be stale and is forgotten.
   */
  read(head: HeadRow, serverClock: Date): void {
    if (this.head?.position !== head.position || this.head.hash !== head.hash) this.forgetVersions();
    this.clockOffsetMs = serverClock.getTime() - this.clock();
  }

  /** A commit: the head it left, and the versions its plan ended with (those read included). */
  committed(head: KnownHead, versions: ReadonlyMap<string, number>): void {
    this.head = head;
    for (const [streamId, version] of versions) {
      this.versions.delete(streamId);
      this.versions.set(streamId, version);
    }
    while (this.versions.size > this.maxStreams) this.forgetOldest();
  }

  private forgetVersions(): void {
    this.versions.clear();
    this.oldest = undefined;
  }

  /**
   * Forgets the stream learned longest ago. A Map iterator stays live as the Map changes, and every entry set after it
   * started comes after it: its next key is always the oldest known, and past keys are never walked again.
   */
  private forgetOldest(): void {
    for (;;) {
      this.oldest ??= this.versions.keys();
      const next = this.oldest.next();
      // Once done, an iterator stays done, keys set since included.
      if (next.done) this.oldest = undefined;
      else return void this.versions.delete(next.value);
    }
  }

  /** After a failure, whose outcome may be unknown: nothing is known until the next read. */
  forget(): void {
    this.head = undefined;
    this.forgetVersions();
  }
}
