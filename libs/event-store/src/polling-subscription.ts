import { WakeSignal } from '@rapport/retry';
import { RecordedEvent, Subscription } from './event-store.port';

export interface PollingSubscriptionOptions {
  after: number;
  batchSize: number;
  read: (after: number, limit: number) => Promise<RecordedEvent[]>;
  /** Registers a callback run when new events may be there; returns the unregister function. */
  onAppended: (wake: () => void) => () => void;
  /** Longest wait without a wake-up before reading again: a lost notification delays delivery by at most this. */
  idleWaitMs: number;
  handler: (events: RecordedEvent[]) => Promise<void>;
}

/**
 * Catch-up then live delivery over a store that can be read from a position: read a batch, hand it over, repeat;
 * when caught up, wait for a wake-up (or the idle timeout) and read again. The reader's position only moves past
 * events it has handed over, so live and catch-up are one code path and no event is skipped at the switch.
 */
export function pollingSubscription(options: PollingSubscriptionOptions): Subscription {
  const stopping = new AbortController();
  const news = new WakeSignal();
  const unregister = options.onAppended(() => news.notify());

  // A wake-up heard after a read began may be for events that read did not see: it counts for the next one.
  const read = (after: number) => {
    news.clear();
    const reading = options.read(after, options.batchSize);
    reading.catch(() => undefined);
    return reading;
  };

  const run = async () => {
    let position = options.after;
    let next: Promise<RecordedEvent[]> | undefined;
    try {
      while (!stopping.signal.aborted) {
        const events = await (next ?? read(position));
        next = undefined;
        if (stopping.signal.aborted) break;
        if (events.length === 0) {
          await news.wait(options.idleWaitMs, stopping.signal);
          continue;
        }
        const last = events[events.length - 1].globalPosition;
        // A full batch says more are waiting (catch-up, a burst): the next one is read while this one is handled.
        if (events.length === options.batchSize) next = read(last);
        await options.handler(events);
        position = last;
      }
    } finally {
      unregister();
    }
  };
  const done = run();
  return {
    done,
    async stop() {
      stopping.abort();
      await done.catch(() => undefined);
    },
  };
}
