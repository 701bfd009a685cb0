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
 * kept with an append still pending is dropped should that append fail.
 */
export class AccountStreamCache {
  private readonly streams = new Map<string, HeldStream>();
  private held = 0;

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
    for (const [accountId] of this.streams) {
      if (this.held <= this.maxEvents) break;
      this.take(accountId);
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
