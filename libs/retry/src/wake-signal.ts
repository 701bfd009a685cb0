import { sleep } from './retry';

/**
 * A wake-up that is never lost between a check and the wait after it: a loop clears the signal, looks for work, and
 * waits only if it found none; a `notify` that came after the clear (while it looked) ends that wait at once.
 */
export class WakeSignal {
  private pending = false;
  private waiter?: () => void;

  notify(): void {
    this.pending = true;
    this.waiter?.();
  }

  /** Forgets earlier notifications: call it just before looking for the work they announce. */
  clear(): void {
    this.pending = false;
  }

  /** Resolves at a notification (at once if one came since `clear`), after `ms`, or when `signal` aborts. */
  async wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.pending) return;
    const woken = new AbortController();
    this.waiter = () => woken.abort();
    try {
      await sleep(ms, signal ? AbortSignal.any([woken.signal, signal]) : woken.signal);
    } finally {
      this.waiter = undefined;
    }
  }
}
