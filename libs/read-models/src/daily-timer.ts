/**
 * Calls `run` just after each UTC midnight of `clock`'s time, until stopped; the next one is scheduled when the
 * previous one has finished. A timer does not keep the process alive.
 */
export class UtcMidnightTimer {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly clock: () => Date,
    private readonly run: () => Promise<void>,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    const now = this.clock();
    const next = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1, 0, 0, 1);
    this.timer = setTimeout(() => void this.run().finally(() => !this.stopped && this.schedule()), next - now.getTime());
    this.timer.unref();
  }
}
