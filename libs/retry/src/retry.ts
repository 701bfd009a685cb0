/** Waits `ms`, or less when `signal` aborts: a stopping service does not sit out its back-off. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface BackoffOptions {
  /** Wait after the first failure in a row. */
  initialMs: number;
  /** Longest wait: a dependency that stays down is still tried this often. */
  maxMs?: number;
}

/** Exponential back-off of a loop that must keep going: the wait doubles with each failure in a row, up to `maxMs`. */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  get failuresInARow(): number {
    return this.failures;
  }

  /** Progress was made: the next failure waits the initial delay again. */
  succeeded(): void {
    this.failures = 0;
  }

  /** Counts a failure and returns how long to wait before trying again. */
  failed(): number {
    this.failures += 1;
    return Math.min(this.options.maxMs ?? 5_000, this.options.initialMs * 2 ** (this.failures - 1));
  }
}

export interface SuperviseOptions {
  signal: AbortSignal;
  backoff: Backoff;
  /** Called before the wait that follows a failure. */
  onFailure(error: unknown, failuresInARow: number, waitMs: number): void;
  /** Errors that mean "start over now" rather than "something is down" (no wait, no log). */
  restartsAtOnce?: (error: unknown) => boolean;
}

/**
 * Runs `work` until `signal` aborts, again after each failure with a back-off wait; `work` returning normally also
 * runs it again. `work` calls `backoff.succeeded()` whenever it makes progress, so only failures in a row add up.
 */
export async function supervise(work: () => Promise<void>, options: SuperviseOptions): Promise<void> {
  while (!options.signal.aborted) {
    try {
      await work();
    } catch (error) {
      if (options.signal.aborted) break;
      if (options.restartsAtOnce?.(error)) continue;
      const wait = options.backoff.failed();
      options.onFailure(error, options.backoff.failuresInARow, wait);
      await sleep(wait, options.signal);
    }
  }
}

export interface RetryOptions {
  attempts: number;
  /** Only these errors are retried; any other is thrown at once. */
  retryOn: (error: unknown) => boolean;
  /** Wait before attempt `attempt + 1` (attempt counts from 1). */
  delayMs: (attempt: number) => number;
  /** The error thrown when every attempt failed with a retryable error. */
  exhausted: (lastError: unknown) => Error;
}

/** Runs `attempt` until it succeeds, fails with an error not worth retrying, or has been tried `attempts` times. */
export async function retry<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let n = 1; n <= options.attempts; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!options.retryOn(error)) throw error;
      lastError = error;
      if (n < options.attempts) await sleep(options.delayMs(n));
    }
  }
  throw options.exhausted(lastError);
}
