import { KeyedLock } from './keyed-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLock', () => {
  it('runs work on the same key one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const job = (name: string) =>
      lock.withLocks(['a'], async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
      });
    await Promise.all([job('1'), job('2'), job('3')]);
    expect(log).toEqual(['1 start', '1 end', '2 start', '2 end', '3 start', '3 end']);
  });

  it('lets work on other keys run meanwhile, and releases after a failure', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const slow = lock.withLocks(['a'], async () => {
      await tick();
      await tick();
      log.push('a');
      throw new Error('boom');
    });
    await lock.withLocks(['b'], async () => log.push('b'));
    await expect(slow).rejects.toThrow('boom');
    await lock.withLocks(['a', 'b'], async () => log.push('a+b'));
    expect(log).toEqual(['b', 'a', 'a+b']);
  });

  it('does not deadlock on overlapping key sets given in different orders', async () => {
    const lock = new KeyedLock();
    const results = await Promise.all([
      lock.withLocks(['x', 'y'], async () => {
        await tick();
        return 1;
      }),
      lock.withLocks(['y', 'x'], async () => 2),
    ]);
    expect(results).toEqual([1, 2]);
  });
});
