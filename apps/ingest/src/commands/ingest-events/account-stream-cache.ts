import { LRUCache } from 'lru-cache';
import { AccountStream } from '@rapport/domain';

/** A stream as the cache holds it. */
export interface HeldStream {
  stream: AccountStream;
  /**
   * The append of its last events while that may still be pending: its state and version count them already, so an
   * append decided on it must follow that one (`AppendOptions.after`).
   */
  writing?: Promise<unknown>;
}

/**
 * The account streams this process has folded, kept between commands: a command then reads only what other writers
 * appended since (usually nothing) instead of the whole stream, and folds only that. Streams are kept as their folded
 * state alone (a retraction, which folds a stream again, needs it read whole), bounded by the events folded into the
 * states held, least recently used accounts dropped first.
 *
 * A command takes its streams out (under the accounts' locks) and puts back those whose decisions it appended or
 * queued: a stream with decisions that were refused is never put back, since folding changed it in place. A stream
 * kept with an append still pending is dropped should that append fail. A held stream does not change while held (a
 * command takes it out first), so what it counted when kept is what it counts when it leaves.
 *
 * lru-cache rather than a Map kept in insertion order, as the projector's `AccountEventCache`: a stream taken out and
 * kept again leaves a deleted entry at its old place, and a Map's iteration from its oldest entry (to drop the least
 * recently used, or only to see that none need be) walks past every deleted entry before the first live one until V8
 * rehashes the table. With accounts written in turn (each in the same order every cycle, as a nightly feed sends
 * them), the oldest are the ones taken: a take and keep cost 5.9 µs with 10,000 accounts held and 32 µs with 90,000,
 * on lru-cache 0.3–0.8 (`npm run bench:caches`); an import over 40,000 accounts spent 37–44 µs of ingest's CPU an
 * event instead of 54–61.
 */
export class AccountStreamCache {
  /** Undefined with a bound of 0: nothing is kept. */
  private readonly streams?: LRUCache<string, HeldStream>;
  private held = 0;

  constructor(private readonly maxEvents: number) {
    if (maxEvents <= 0) return;
    this.streams = new LRUCache<string, HeldStream>({
      maxSize: maxEvents,
      // lru-cache counts an entry as at least 1: a state folded from no decision event (held for its version alone)
      // weighs one against the bound, and none in `stats`.
      sizeCalculation: (entry) => Math.max(1, entry.stream.size),
      // Either way out: taken, or dropped as the least recently used.
      dispose: (entry) => {
        this.held -= entry.stream.size;
      },
    });
  }

  /** The account's stream, now out of the cache (undefined when not held). */
  take(accountId: string): HeldStream | undefined {
    const entry = this.streams?.peek(accountId);
    if (entry) this.streams!.delete(accountId);
    return entry;
  }

  /**
   * Puts a stream back, as the most recently used, as its folded state alone: its events all stored, or the last of
   * them in `writing`, still pending.
   */
  keep(stream: AccountStream, writing?: Promise<unknown>): void {
    this.take(stream.accountId);
    stream.compact();
    if (!this.streams || stream.size > this.maxEvents) return;
    this.held += stream.size;
    this.streams.set(stream.accountId, { stream, writing });
  }

  /**
   * `writing` has settled. Where the account is still held on it (not taken or kept again since), its stream is as
   * stored once written, and is dropped if the append failed: its state counts events that are not stored.
   */
  settled(accountId: string, writing: Promise<unknown>, written: boolean): void {
    const entry = this.streams?.peek(accountId);
    if (entry?.writing !== writing) return;
    if (written) entry.writing = undefined;
    else this.take(accountId);
  }

  /** Accounts and events held. */
  get stats(): { accounts: number; events: number } {
    return { accounts: this.streams?.size ?? 0, events: this.held };
  }
}
