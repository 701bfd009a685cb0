import { AccountStream } from '@rapport/domain';
import { AccountStreamCache } from './account-stream-cache';

function streamOf(accountId: string, events: number): AccountStream {
  const opened = {
    type: 'AccountOpened' as const,
    accountId,
    eventId: `${accountId}-0`,
    occurredAt: '2026-01-01T00:00:00Z',
    data: { name: accountId, segment: 'enterprise' as const },
  };
  // Facts decisions depend on: a kept stream holds those alone.
  const tickets = Array.from({ length: events - 1 }, (_, i) => ({
    type: 'SupportTicketOpened' as const,
    accountId,
    eventId: `${accountId}-${i + 1}`,
    occurredAt: '2026-01-02T00:00:00Z',
    data: { ticketId: `t-${i}`, severity: 'low' as const },
  }));
  return new AccountStream(accountId, [opened, ...tickets] as never, events - 1);
}

describe('AccountStreamCache', () => {
  it('hands a stream out once: taken, it is no longer held until kept again', () => {
    const cache = new AccountStreamCache(100);
    const acme = streamOf('acme', 3);
    cache.keep(acme);
    expect(cache.stats).toEqual({ accounts: 1, events: 3 });
    expect(cache.take('acme')).toEqual({ stream: acme, writing: undefined });
    expect(cache.take('acme')).toBeUndefined();
    expect(cache.stats).toEqual({ accounts: 0, events: 0 });
  });

  it('drops the least recently kept accounts once it holds more events than its bound', () => {
    const cache = new AccountStreamCache(10);
    cache.keep(streamOf('a', 4));
    cache.keep(streamOf('b', 4));
    cache.keep(cache.take('a')!.stream);
    cache.keep(streamOf('c', 4));
    expect(cache.take('b')).toBeUndefined();
    expect(cache.take('a')?.stream.size).toBe(4);
    expect(cache.take('c')?.stream.size).toBe(4);
  });

  it('drops the accounts kept longest ago first, over many takes and keeps in any order', () => {
    const cache = new AccountStreamCache(60);
    const streams = Array.from({ length: 50 }, (_, i) => streamOf(`a${i}`, 2));
    const lastKept: string[] = [];
    const keep = (stream: AccountStream) => {
      cache.keep(stream);
      const before = lastKept.indexOf(stream.accountId);
      if (before !== -1) lastKept.splice(before, 1);
      lastKept.push(stream.accountId);
    };
    // A fixed walk over the accounts, each taken (when held) and kept again: holds the last 30 kept (60 events).
    for (let step = 0; step < 400; step++) {
      const stream = streams[(step * 37 + (step >> 3)) % streams.length];
      const held = cache.take(stream.accountId);
      keep(held?.stream ?? stream);
    }
    const expected = lastKept.slice(-30).sort();
    const heldNow = streams.map((s) => s.accountId).filter((id) => cache.take(id) !== undefined);
    expect(heldNow.sort()).toEqual(expected);
  });

  it('holds a stream with no decision folded in, counting no events', () => {
    const cache = new AccountStreamCache(10);
    const interaction = { type: 'InteractionLogged', accountId: 'z', eventId: 'z-0', occurredAt: '2026-01-02T00:00:00Z', data: {} };
    const z = new AccountStream('z', [interaction as never], 0);
    cache.keep(z);
    expect(z.size).toBe(0);
    expect(cache.stats).toEqual({ accounts: 1, events: 0 });
    expect(cache.take('z')?.stream).toBe(z);
  });

  it('counts a stream kept again with more events at its new size, and never holds one larger than the bound', () => {
    const cache = new AccountStreamCache(10);
    const a = streamOf('a', 2);
    cache.keep(a);
    cache.take('a');
    const ticket = { ticketId: 't', severity: 'low' };
    a.append([{ type: 'SupportTicketOpened', accountId: 'a', eventId: 'a-t', occurredAt: '2026-01-03T00:00:00Z', data: ticket } as never]);
    // Kept, a stream folds only the facts decisions depend on: an interaction is not held.
    a.append([{ type: 'InteractionLogged', accountId: 'a', eventId: 'a-i', occurredAt: '2026-01-03T00:00:00Z', data: {} } as never]);
    cache.keep(a);
    expect(cache.stats).toEqual({ accounts: 1, events: 3 });
    cache.keep(streamOf('huge', 11));
    expect(cache.take('huge')).toBeUndefined();
    expect(cache.stats).toEqual({ accounts: 1, events: 3 });
  });

  it('keeps a stream as its state alone: a retraction can no longer be folded into it', () => {
    const cache = new AccountStreamCache(100);
    const a = streamOf('a', 3);
    expect(a.refoldable).toBe(true);
    cache.keep(a);
    const kept = cache.take('a')!.stream;
    expect([kept.refoldable, kept.size, kept.state.opened]).toEqual([false, 3, true]);
    const retraction = {
      type: 'EventRetracted',
      accountId: 'a',
      eventId: 'a-x',
      occurredAt: '2026-01-03T00:00:00Z',
      data: { targetEventId: 'a-1', reason: 'r' },
    };
    expect(() => kept.append([retraction as never])).toThrow(/read it whole/);
  });

  it('holds a stream kept on a pending append until that settles: as stored once written, dropped if it failed', () => {
    const cache = new AccountStreamCache(100);
    const [first, second] = [Promise.resolve(), Promise.resolve()];
    const a = streamOf('a', 2);
    cache.keep(a, first);
    cache.settled('a', first, true);
    expect(cache.take('a')).toEqual({ stream: a, writing: undefined });

    cache.keep(a, first);
    cache.settled('a', first, false);
    expect(cache.take('a')).toBeUndefined();
    expect(cache.stats).toEqual({ accounts: 0, events: 0 });

    // Kept again on a later append: the earlier one's outcome no longer concerns it (the later one follows it).
    cache.keep(a, first);
    cache.keep(cache.take('a')!.stream, second);
    cache.settled('a', first, false);
    expect(cache.take('a')).toEqual({ stream: a, writing: second });
    // Taken meanwhile: nothing to do.
    cache.settled('a', second, false);
    expect(cache.stats).toEqual({ accounts: 0, events: 0 });
  });

  it('keeps nothing with a bound of 0', () => {
    const cache = new AccountStreamCache(0);
    cache.keep(streamOf('a', 1));
    expect(cache.take('a')).toBeUndefined();
    expect(cache.stats).toEqual({ accounts: 0, events: 0 });
  });
});
