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
 * A Map in insertion order, whose oldest entry is the least recently kept. A stream taken out and kept again leaves a
 * deleted entry at its old place, which V8 keeps until it rehashes the table; a new iterator over the Map walks past
 * every such entry before its first live one. Looking for the oldest with a new iterator at each keep (even only to
 * find that none need be dropped) cost, with accounts written in turn (each in the same order every cycle, as a
 * nightly feed sends them), 5.9 µs a take and keep with 10,000 accounts held and 32 µs with 90,000: an import over
 * 40,000 accounts spent 53–61 µs of ingest's CPU an event. Now the Map is looked at only past the bound, from where
 * the last drop left it (`dropOldest`): 0.1–0.7 µs (`npm run bench:caches`), and that import 37–42 µs an event.
 * lru-cache (as the projector's `AccountEventCache`) was as fast in turn but cost twice as much a new account, as in
 * a burst of new accounts (docs/benchmarks.md, "A Map's oldest entry, looked for from where the last search left it").
 */
export class AccountStreamCache {
  private readonly streams = new Map<string, HeldStream>();
  private held = 0;
  /** The Map's keys from its oldest, where dropping the least recently kept resumes (see `dropOldest`). */
  private oldest?: Iterator<string>;

  constructor(private readonly maxEvents: number) {}

  /** The account's stream, now out of the cache (undefined when not held). */
  take(accountId: string): HeldStream | undefined {
    const entry = this.streams.get(accountId);
    if (!entry) return undefined;
    this.streams.delete(accountId);
    this.held -= entry.stream.size;
    return entry;
  }

  /**
   * Puts a stream back, as the most recently used, as its folded state alone: its events all stored, or the last of
   * them in `writing`, still pending.
   */
  keep(stream: AccountStream, writing?: Promise<unknown>): void {
    this.take(stream.accountId);
    stream.compact();
    if (this.maxEvents === 0 || stream.size > this.maxEvents) return;
    this.streams.set(stream.accountId, { stream, writing });
    this.held += stream.size;
    while (this.held > this.maxEvents) this.dropOldest();
  }

  /**
   * Drops the least recently kept account. A Map iterator stays live as the Map changes, and every entry set after it
   * started comes after it: its next key is always the oldest held, and past keys are never walked again.
   */
  private dropOldest(): void {
    for (;;) {
      this.oldest ??= this.streams.keys();
      const next = this.oldest.next();
      // Once done, an iterator stays done, keys set since included.
      if (next.done) this.oldest = undefined;
      else return void this.take(next.value);
    }
  }

  /**
   * `writing` has settled. Where the account is still held on it (not taken or kept again since), its stream is as
   * stored once written, and is dropped if the append failed: its state counts events that are not stored.
   */
  settled(accountId: string, writing: Promise<unknown>, written: boolean): void {
    const entry = this.streams.get(accountId);
    if (entry?.writing !== writing) return;
    if (written) entry.writing = undefined;
    else this.take(accountId);
  }

  /** Accounts and events held. */
  get stats(): { accounts: number; events: number } {
    return { accounts: this.streams.size, events: this.held };
  }
}
