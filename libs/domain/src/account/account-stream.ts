import { AccountState, AccountStreamEvent, evolve, foldAccount } from './account-state';
import { DECISION_EVENT_TYPES, DecisionState } from './decide';

const DECISION_TYPES: ReadonlySet<string> = new Set(DECISION_EVENT_TYPES);

/** Whether `decide` depends on the event (`DECISION_EVENT_TYPES`). */
export function isDecisionEvent(event: Pick<AccountStreamEvent, 'type'>): boolean {
  return DECISION_TYPES.has(event.type);
}

/**
 * One account's stream in memory and its state, for deciding commands one after another: each accepted event
 * is folded in before the next command is decided, so a command may rely on an earlier one of the same batch.
 *
 * Held whole (its events kept), it decides every fact, retractions included. Held as its decisions' state alone
 * (`ofDecisions`, or once compacted), only the facts `decide` depends on are folded: the interactions, usage and
 * surveys that make most of a long stream are neither read nor kept, and a retraction needs the stream read whole.
 */
export class AccountStream {
  /** Undefined when held as its decisions' state alone. */
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

  /**
   * A stream from its events of `DECISION_EVENT_TYPES` (others given are left out) and its version as stored, that of
   * its last event whatever its type.
   */
  static ofDecisions(accountId: string, events: readonly AccountStreamEvent[], version: number): AccountStream {
    const stream = new AccountStream(accountId, events.filter(isDecisionEvent), version);
    stream.compact();
    return stream;
  }

  get state(): DecisionState {
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

  /** False when held as its decisions' state alone: a retraction can no longer be folded in, since that folds the whole stream again. */
  get refoldable(): boolean {
    return this.events !== undefined;
  }

  /** Adds events at the end of the stream. A retraction folds the stream again, without its target. */
  append(events: readonly AccountStreamEvent[]): void {
    const retraction = events.some((e) => e.type === 'EventRetracted');
    if (retraction && !this.events) {
      throw new Error(`the stream of ${this.accountId} is held as its decisions' state: read it whole to fold a retraction`);
    }
    const folded = this.events ? events : events.filter(isDecisionEvent);
    this.events?.push(...folded);
    this.folded += folded.length;
    if (retraction) this.current = foldAccount(this.accountId, this.events!);
    else for (const event of folded) this.current = evolve(this.current, event);
  }

  /** Keeps the decisions' state alone, for a holder of many streams: from now on, only the facts decisions depend on are folded. */
  compact(): void {
    if (!this.events) return;
    // Held whole until now (to fold a retraction): its state also holds the figures' facts, which a holder of many
    // streams would keep for nothing and count against its bound.
    const decisions = this.events.filter(isDecisionEvent);
    if (decisions.length < this.events.length) {
      this.current = foldAccount(this.accountId, decisions);
      this.folded = decisions.length;
    }
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
