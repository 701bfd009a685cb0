import { Backoff, retry, sleep, supervise } from './retry';

class Conflict extends Error {}

describe('Backoff', () => {
  it('doubles the wait with each failure in a row, up to the cap, and starts over after a success', () => {
    const backoff = new Backoff({ initialMs: 50, maxMs: 300 });
    expect([backoff.failed(), backoff.failed(), backoff.failed(), backoff.failed()]).toEqual([50, 100, 200, 300]);
    expect(backoff.failuresInARow).toBe(4);
    backoff.succeeded();
    expect(backoff.failed()).toBe(50);
  });
});

describe('retry', () => {
  const options = { attempts: 3, retryOn: (e: unknown) => e instanceof Conflict, delayMs: () => 0, exhausted: () => new Error('gave up') };

  it('tries again on a retryable error until the work succeeds', async () => {
    let calls = 0;
    await expect(retry(async () => (++calls < 3 ? Promise.reject(new Conflict()) : 'done'), options)).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('gives up after the last attempt with the exhausted error', async () => {
    let calls = 0;
    await expect(retry(() => (++calls, Promise.reject(new Conflict())), options)).rejects.toThrow('gave up');
    expect(calls).toBe(3);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    await expect(retry(() => (++calls, Promise.reject(new Error('down'))), options)).rejects.toThrow('down');
    expect(calls).toBe(1);
  });
});

describe('supervise', () => {
  it('runs the work again after failures, reports them, and ends when aborted', async () => {
    const abort = new AbortController();
    const failures: number[] = [];
    let runs = 0;
    await supervise(
      async () => {
        runs += 1;
        if (runs === 4) abort.abort();
        else throw new Error(`failure ${runs}`);
      },
      { signal: abort.signal, backoff: new Backoff({ initialMs: 1 }), onFailure: (_error, inARow) => failures.push(inARow) },
    );
    expect(runs).toBe(4);
    expect(failures).toEqual([1, 2, 3]);
  });

  it('starts over at once, without reporting, on errors that ask for it', async () => {
    const abort = new AbortController();
    const reported: unknown[] = [];
    let runs = 0;
    await supervise(
      async () => {
        if (++runs === 3) return abort.abort();
        throw new Conflict();
      },
      {
        signal: abort.signal,
        backoff: new Backoff({ initialMs: 10_000 }),
        restartsAtOnce: (e) => e instanceof Conflict,
        onFailure: (e) => reported.push(e),
      },
    );
    expect(runs).toBe(3);
    expect(reported).toEqual([]);
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 10);
    await sleep(60_000, abort.signal);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
