/**
 * Mutual exclusion per key inside one process. Ingest holds the lock of every account a command touches while it
 * decides (and queues its append, or writes it when it read first), so concurrent posts to one account take turns
 * instead of failing each other's expected-version check in a loop; across processes, the store's version check and
 * a retry still decide. Keys are taken in sorted order, so two
 * commands over overlapping accounts cannot deadlock.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async withLocks<T>(keys: Iterable<string>, work: () => Promise<T>): Promise<T> {
    const releases: Array<() => void> = [];
    try {
      for (const key of [...new Set(keys)].sort()) releases.push(await this.acquire(key));
      return await work();
    } finally {
      for (const release of releases) release();
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
