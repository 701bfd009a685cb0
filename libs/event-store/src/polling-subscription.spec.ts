import { RecordedEvent } from './event-store.port';
import { pollingSubscription } from './polling-subscription';

const event = (globalPosition: number): RecordedEvent => ({
  eventId: `e-${globalPosition}`,
  type: 'T',
  data: {},
  metadata: {},
  schemaVersion: 1,
  streamId: 's',
  version: globalPosition - 1,
  globalPosition,
  recordedAt: new Date(0),
});

/** A log the test appends to, read like a store reads it, waking the subscription at each append. */
function log() {
  const events: RecordedEvent[] = [];
  const wakers = new Set<() => void>();
  /** Each read's position, and how many events the subscriber had been handed over when it began. */
  const reads: Array<{ after: number; handled: number }> = [];
  let handled = 0;
  return {
    reads,
    handedOver: (count: number) => (handled += count),
    append(count: number) {
      for (let i = 0; i < count; i++) events.push(event(events.length + 1));
      wakers.forEach((wake) => wake());
    },
    read: async (after: number, limit: number) => {
      reads.push({ after, handled });
      // What the read sees is fixed when it begins (its snapshot); the answer comes later.
      const seen = events.filter((e) => e.globalPosition > after).slice(0, limit);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return seen;
    },
    onAppended: (wake: () => void) => {
      wakers.add(wake);
      return () => wakers.delete(wake);
    },
  };
}

describe('pollingSubscription', () => {
  it('reads the next batch while a full one is handled, and delivers every event once, in order', async () => {
    const source = log();
    source.append(10);
    const delivered: number[] = [];
    const subscription = pollingSubscription({
      after: 0,
      batchSize: 4,
      read: source.read,
      onAppended: source.onAppended,
      idleWaitMs: 60_000,
      handler: async (events) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        delivered.push(...events.map((e) => e.globalPosition));
        source.handedOver(events.length);
      },
    });
    while (delivered.length < 10) await new Promise((resolve) => setTimeout(resolve, 5));
    await subscription.stop();
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // The reads after the two full batches began before those batches were handled.
    expect(source.reads.slice(0, 3)).toEqual([
      { after: 0, handled: 0 },
      { after: 4, handled: 0 },
      { after: 8, handled: 4 },
    ]);
  });

  it('does not lose a wake-up that came while a read ahead was under way', async () => {
    const source = log();
    source.append(2);
    const delivered: number[] = [];
    let appendedDuringHandling = false;
    const subscription = pollingSubscription({
      after: 0,
      batchSize: 2,
      read: source.read,
      onAppended: source.onAppended,
      // Only a wake-up can deliver the late events within the test's time.
      idleWaitMs: 60_000,
      handler: async (events) => {
        if (!appendedDuringHandling) {
          appendedDuringHandling = true;
          // The read of the next batch began when this one arrived, and may not see these.
          source.append(1);
        }
        delivered.push(...events.map((e) => e.globalPosition));
      },
    });
    for (let i = 0; i < 200 && delivered.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    await subscription.stop();
    expect(delivered).toEqual([1, 2, 3]);
  });
});
