import { AccountStream } from '@rapport/domain';

/**
 * The account streams this process has folded, kept between commands: a command then reads only what other writers
 * appended since (usually nothing) instead of the whole stream, and folds only that. Streams are kept as their folded
 * state alone (a retraction, which folds a stream again, needs it read whole), bounded by the events folded into the
 * states held, least recently used accounts dropped first.
 *
 * A command takes its streams out (under the accounts' locks) and puts back those whose every event is stored: a
 * stream with decisions that were refused or not written is never put back, since folding changed it in place.
 */
export class AccountStreamCache {
  private readonly streams = new Map<string, AccountStream>();
  private held = 0;

  constructor(private readonly maxEvents: number) {}

  /** The account's stream, now out of the cache (undefined when not held). */
  take(accountId: string): AccountStream | undefined {
    const stream = this.streams.get(accountId);
    if (!stream) return undefined;
    this.streams.delete(accountId);
    this.held -= stream.size;
    return stream;
  }

  /** Puts a stream whose events are all stored back, as the most recently used, as its folded state alone. */
  keep(stream: AccountStream): void {
    this.take(stream.accountId);
    stream.compact();
    if (this.maxEvents === 0 || stream.size > this.maxEvents) return;
    this.streams.set(stream.accountId, stream);
    this.held += stream.size;
    for (const [accountId] of this.streams) {
      if (this.held <= this.maxEvents) break;
      this.take(accountId);
    }
  }

  /** Accounts and events held. */
  get stats(): { accounts: number; events: number } {
    return { accounts: this.streams.size, events: this.held };
  }
}
