/**
 * Gathers what callers hand over within one turn of the event loop and does the work once for all of them:
 * kafkajs hands the partitions of one fetch to concurrent `eachBatch` calls, which arrive together, and one
 * command (one read, one append) and one offset commit for all of them cost less than one each. Each caller's
 * promise settles with the shared work: if it fails, it fails for every caller.
 */
export class TickCoalescer<T> {
  private pending: Array<{ items: readonly T[]; resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(private readonly work: (items: T[]) => Promise<void>) {}

  add(items: readonly T[]): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ items, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const callers = this.pending;
    this.pending = [];
    try {
      await this.work(callers.flatMap((c) => c.items));
      for (const caller of callers) caller.resolve();
    } catch (error) {
      for (const caller of callers) caller.reject(error);
    }
  }
}
