import { AccountEvent } from '../events/event-catalog';
import { AccountState, evolve, initialAccountState } from './account-state';

/** An event of an account's stream as the domain sees it: the fact plus the id the platform gave it. */
export type AccountHistoryEvent = AccountEvent & { eventId: string };

/**
 * The events of one account's stream and the state they fold to. Retractions are applied here:
 * a retracted event is left out of the fold, as if it had never happened, while the history keeps both.
 */
export class AccountHistory {
  private readonly events: AccountHistoryEvent[] = [];
  private readonly eventTypes = new Map<string, AccountEvent['type']>();
  private readonly retracted = new Set<string>();
  private current: AccountState = initialAccountState();

  constructor(events: Iterable<AccountHistoryEvent> = []) {
    for (const event of events) this.record(event);
  }

  get state(): AccountState {
    return this.current;
  }

  /** Type of the stream's event with this id, or undefined when the stream has no such event. */
  typeOf(eventId: string): AccountEvent['type'] | undefined {
    return this.eventTypes.get(eventId);
  }

  isRetracted(eventId: string): boolean {
    return this.retracted.has(eventId);
  }

  /** Adds an event at the end of the stream. A retraction re-folds the stream without its target. */
  record(event: AccountHistoryEvent): void {
    this.events.push(event);
    this.eventTypes.set(event.eventId, event.type);
    if (event.type === 'EventRetracted') {
      this.retracted.add(event.data.targetEventId);
      this.current = this.events.filter((e) => !this.retracted.has(e.eventId)).reduce(evolve, initialAccountState());
    } else if (!this.retracted.has(event.eventId)) {
      this.current = evolve(this.current, event);
    }
  }
}
