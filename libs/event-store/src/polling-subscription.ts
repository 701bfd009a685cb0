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
  let stopped = false;
  let wakeUp: (() => void) | undefined;
  let pendingWake = false;
  const wake = () => {
    pendingWake = true;
    wakeUp?.();
  };
  const unregister = options.onAppended(wake);

  const waitForWake = () =>
    new Promise<void>((resolve) => {
      if (pendingWake || stopped) return resolve();
      const timer = setTimeout(done, options.idleWaitMs);
      function done() {
        clearTimeout(timer);
        wakeUp = undefined;
        resolve();
      }
      wakeUp = done;
    });

  const run = async () => {
    let position = options.after;
    try {
      while (!stopped) {
        pendingWake = false;
        const events = await options.read(position, options.batchSize);
        if (stopped) break;
        if (events.length === 0) {
          await waitForWake();
          continue;
        }
        await options.handler(events);
        position = events[events.length - 1].globalPosition;
      }
    } finally {
      unregister();
    }
  };
  const done = run();
  return {
    done,
    async stop() {
      stopped = true;
      wakeUp?.();
      await done.catch(() => undefined);
    },
  };
}
