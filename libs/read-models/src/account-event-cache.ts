import { PositionedAccountEvent } from '@rapport/domain';

/**
 * The streams of recently touched accounts, so that a batch needs only its own events for them: the log is immutable
 * and delivered in order. Least recently used accounts are dropped past `capacity`.
 */
export class AccountEventCache {
  private readonly streams = new Map<string, PositionedAccountEvent[]>();

  constructor(private readonly capacity: number) {}

  has(accountId: string): boolean {
    return this.streams.has(accountId);
  }

  /** The cached stream followed by `events`, which becomes the cached stream. */
  extend(accountId: string, events: readonly PositionedAccountEvent[]): PositionedAccountEvent[] {
    return this.remember(accountId, [...(this.streams.get(accountId) ?? []), ...events]);
  }

  remember(accountId: string, events: PositionedAccountEvent[]): PositionedAccountEvent[] {
    this.streams.delete(accountId);
    this.streams.set(accountId, events);
    while (this.streams.size > this.capacity) this.streams.delete(this.streams.keys().next().value!);
    return events;
  }

  clear(): void {
    this.streams.clear();
  }
}
