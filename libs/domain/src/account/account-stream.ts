import { AccountState, AccountStreamEvent, evolve, foldAccount } from './account-state';

/**
 * One account's stream in memory and its state, for deciding commands one after another: each accepted event
 * is folded in before the next command is decided, so a command may rely on an earlier one of the same batch.
 */
export class AccountStream {
  private readonly events: AccountStreamEvent[];
  private current: AccountState;
  private storedVersion: number;

  constructor(
    readonly accountId: string,
    events: readonly AccountStreamEvent[],
    /** The stream's version as stored: -1 when it does not exist. */
    version: number,
  ) {
    this.events = [...events];
    this.current = foldAccount(accountId, this.events);
    this.storedVersion = version;
  }

  get state(): AccountState {
    return this.current;
  }

  /** The version of the last stored event held (-1: none). */
  get version(): number {
    return this.storedVersion;
  }

  /** Events held. */
  get size(): number {
    return this.events.length;
  }

  /** Adds events at the end of the stream. A retraction folds the stream again, without its target. */
  append(events: readonly AccountStreamEvent[]): void {
    this.events.push(...events);
    if (events.some((e) => e.type === 'EventRetracted')) this.current = foldAccount(this.accountId, this.events);
    else for (const event of events) this.current = evolve(this.current, event);
  }

  /**
   * Everything held is stored, the last event at `version`. Appending changes the state in place (`evolve`): a
   * holder that keeps a stream across commands drops it when what was appended is not stored after all.
   */
  stored(version: number): void {
    this.storedVersion = version;
  }
}
