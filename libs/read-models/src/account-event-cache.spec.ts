import { PositionedAccountEvent } from '@rapport/domain';
import { AccountEventCache } from './account-event-cache';

const event = (globalPosition: number) => ({ globalPosition }) as unknown as PositionedAccountEvent;

describe('AccountEventCache', () => {
  it('extends a held stream with the batch’s events', () => {
    const cache = new AccountEventCache(10);
    cache.remember('a', [event(1)]);
    expect(cache.extend('a', [event(4), event(7)]).map((e) => e.globalPosition)).toEqual([1, 4, 7]);
    expect(cache.extend('b', [event(9)]).map((e) => e.globalPosition)).toEqual([9]);
    expect(cache.extend('a', []).map((e) => e.globalPosition)).toEqual([1, 4, 7]);
  });

  it('drops the least recently remembered or extended accounts past its capacity, whatever was only looked up', () => {
    const cache = new AccountEventCache(3);
    for (const id of ['a', 'b', 'c']) cache.remember(id, []);
    cache.extend('a', [event(1)]);
    expect(cache.has('b')).toBe(true);
    cache.remember('d', []);
    // b was the oldest use: looking it up did not count.
    expect(['a', 'b', 'c', 'd'].filter((id) => cache.has(id))).toEqual(['a', 'c', 'd']);
    for (let i = 0; i < 10_000; i++) cache.remember(`n${i}`, []);
    expect(['a', 'c', 'd', 'n9997', 'n9998', 'n9999'].filter((id) => cache.has(id))).toEqual(['n9997', 'n9998', 'n9999']);
  });

  it('holds nothing after clear', () => {
    const cache = new AccountEventCache(3);
    cache.remember('a', [event(1)]);
    cache.clear();
    expect(cache.has('a')).toBe(false);
  });
});
