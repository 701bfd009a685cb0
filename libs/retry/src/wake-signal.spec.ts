import { WakeSignal } from './wake-signal';

const LONG = 60_000;

describe('WakeSignal', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settled = async (promise: Promise<void>): Promise<boolean> => {
    let done = false;
    void promise.then(() => (done = true));
    await jest.advanceTimersByTimeAsync(0);
    return done;
  };

  it('ends a wait at a notification', async () => {
    const signal = new WakeSignal();
    const waiting = signal.wait(LONG);
    expect(await settled(waiting)).toBe(false);
    signal.notify();
    expect(await settled(waiting)).toBe(true);
  });

  it('keeps a notification that came before the wait, since the last clear', async () => {
    const signal = new WakeSignal();
    signal.clear();
    signal.notify(); // while the loop was looking for work
    expect(await settled(signal.wait(LONG))).toBe(true);
  });

  it('forgets notifications at clear', async () => {
    const signal = new WakeSignal();
    signal.notify();
    signal.clear();
    expect(await settled(signal.wait(LONG))).toBe(false);
  });

  it('ends a wait after its time, or when aborted', async () => {
    const signal = new WakeSignal();
    const timed = signal.wait(100);
    await jest.advanceTimersByTimeAsync(99);
    expect(await settled(timed)).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await settled(timed)).toBe(true);
    const stop = new AbortController();
    const aborted = signal.wait(LONG, stop.signal);
    stop.abort();
    expect(await settled(aborted)).toBe(true);
  });
});
