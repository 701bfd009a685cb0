import { AccountState, AccountStreamEvent, evolve, foldAccount } from './account-state';

/**
 * One account's stream in memory and its state, for deciding commands one after another: each accepted event
 * is folded in before the next command is decided, so a command may rely on an earlier one of the same batch.
 */
export class AccountStream {
  /** Undefined once compacted: the state alone is kept. */
  private events?: AccountStreamEvent[];
  private current: AccountState;
  private storedVersion: number;
  private folded: number;

  constructor(
    readonly accountId: string,
    events: readonly AccountStreamEvent[],
    /** The stream's version as stored: -1 when it does not exist. */
    version: number,
  ) {
    this.events = [...events];
    this.current = foldAccount(accountId, this.events);
    this.storedVersion = version;
    this.folded = events.length;
  }

  get state(): AccountState {
    return this.current;
  }

  /** The version of the last stored event held (-1: none). */
  get version(): number {
    return this.storedVersion;
  }

  /** Events folded into the state: what the state's size grows with. */
  get size(): number {
    return this.folded;
  }

  /** False once compacted: a retraction can no longer be folded in, since that folds the whole stream again. */
  get refoldable(): boolean {
    return this.events !== undefined;
  }

  /** Adds events at the end of the stream. A retraction folds the stream again, without its target. */
  append(events: readonly AccountStreamEvent[]): void {
    const retraction = events.some((e) => e.type === 'EventRetracted');
    if (retraction && !this.events) throw new Error(`the stream of ${this.accountId} was compacted: read it whole to fold a retraction`);
    this.events?.push(...events);
    this.folded += events.length;
    if (retraction) this.current = foldAccount(this.accountId, this.events!);
    else for (const event of events) this.current = evolve(this.current, event);
  }

  /** Keeps the state alone, for a holder of many streams: a tenth of the memory, or less. */
  compact(): void {
    this.events = undefined;
  }

  /**
   * Everything held is stored, the last event at `version`. Appending changes the state in place (`evolve`): a
   * holder that keeps a stream across commands drops it when what was appended is not stored after all.
   */
  stored(version: number): void {
    this.storedVersion = version;
  }
}
