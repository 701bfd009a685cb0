import { TickCoalescer } from './tick-coalescer';

describe('TickCoalescer', () => {
  it('does the work once for what is handed over in one turn, in the order it came, and again for the next turn', async () => {
    const calls: number[][] = [];
    const coalescer = new TickCoalescer<number>(async (items) => {
      calls.push(items);
    });
    await Promise.all([coalescer.add([1, 2]), coalescer.add([3]), coalescer.add([4, 5])]);
    await coalescer.add([6]);
    expect(calls).toEqual([[1, 2, 3, 4, 5], [6]]);
  });

  it('fails every caller of a turn whose work failed, and works again after', async () => {
    let fail = true;
    const coalescer = new TickCoalescer<string>(async () => {
      if (fail) throw new Error('database down');
    });
    const results = await Promise.allSettled([coalescer.add(['a']), coalescer.add(['b'])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(coalescer.add(['c'])).resolves.toBeUndefined();
  });

  it('takes what comes while a turn is being worked on into the next turn', async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const coalescer = new TickCoalescer<string>(async (items) => {
      calls.push(items);
      if (calls.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = coalescer.add(['a']);
    await new Promise((resolve) => setImmediate(resolve));
    const second = coalescer.add(['b']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([['a'], ['b']]);
    release();
    await Promise.all([first, second]);
  });
});
