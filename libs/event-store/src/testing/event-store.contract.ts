import { randomUUID } from 'node:crypto';
import {
  EventsAlreadyStoredError,
  EventStore,
  isTamperEvident,
  NewEvent,
  PrecedingAppendFailedError,
  RecordedEvent,
  WrongExpectedVersionError,
} from '../event-store.port';
import { chainHash, GENESIS_HASH } from '../hash-chain';
import { verifyLog } from '../verify-log';

export interface EventStoreFixture {
  store: EventStore;
  /** Another writer on the same store, as another process would be (for the PostgreSQL store: its own pool). */
  otherWriter(): Promise<EventStore>;
  cleanup(): Promise<void>;
}

export function newEvent(type = 'Thing', data: unknown = { n: 1 }): NewEvent {
  return { eventId: randomUUID(), type, data, metadata: { source: 'contract-test' }, schemaVersion: 1 };
}

/**
 * The behaviour every EventStore adapter must show. Run it from each adapter's test file with a fixture factory
 * that gives a fresh, empty store per test.
 */
export function describeEventStoreContract(
  name: string,
  createFixture: () => Promise<EventStoreFixture>,
  options: { hashChain: boolean },
): void {
  describe(`${name}: event store contract`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    beforeEach(async () => {
      fixture = await createFixture();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    const stream = () => `account-${randomUUID()}`;

    it('appends to a new stream with versions from 0 and increasing global positions', async () => {
      const s = stream();
      const events = [newEvent('A', { x: 1.25, nested: { list: [1, 'two'] } }), newEvent('B')];
      const [results] = await store.append([{ streamId: s, expectedVersion: 'no_stream', events }]);
      expect(results.map((r) => [r.eventId, r.streamId, r.version, r.duplicate])).toEqual([
        [events[0].eventId, s, 0, false],
        [events[1].eventId, s, 1, false],
      ]);
      expect(results[1].globalPosition).toBeGreaterThan(results[0].globalPosition);
      const read = await store.readStream(s);
      expect(read).toEqual([
        expect.objectContaining({ ...events[0], streamId: s, version: 0, globalPosition: results[0].globalPosition }),
        expect.objectContaining({ ...events[1], streamId: s, version: 1, globalPosition: results[1].globalPosition }),
      ]);
      expect(await store.headPosition()).toBe(results[1].globalPosition);
    });

    it('keeps any JSON, type and stream name to the letter, in small and in bulk appends', async () => {
      const awkward = {
        text: 'tab\there, newline\nthere, back\\slash, quote " and unicode: é 漢字 🙂',
        n: -0.5,
        big: 12345678.91,
        list: [null, true, { deep: '\\\\' }],
      };
      for (const size of [1, 300]) {
        const s = `account-${randomUUID()}\\with\ttab`;
        const events = Array.from({ length: size }, (_, i) => ({
          ...newEvent(`Type\\${i}`, { ...awkward, i }),
          metadata: { note: 'line\nbreak\\' },
        }));
        await store.append([{ streamId: s, expectedVersion: 'no_stream', events }]);
        const read = await store.readStream(s);
        expect(read.map((e) => [e.type, e.data, e.metadata])).toEqual(events.map((e) => [e.type, e.data, e.metadata]));
      }
    });

    it('refuses malformed appends before storing anything', async () => {
      const head = await store.headPosition();
      expect(() =>
        store.append([{ streamId: stream(), expectedVersion: 'any', events: [{ ...newEvent(), eventId: "x'); DROP TABLE x; --" }] }]),
      ).toThrow(TypeError);
      expect(() => store.append([{ streamId: '', expectedVersion: 'any', events: [newEvent()] }])).toThrow(TypeError);
      expect(() => store.append([{ streamId: stream(), expectedVersion: -3, events: [newEvent()] }])).toThrow(TypeError);
      expect(() => store.append([{ streamId: stream(), expectedVersion: 'any', events: [{ ...newEvent(), schemaVersion: 1.5 }] }])).toThrow(
        TypeError,
      );
      expect(await store.headPosition()).toBe(head);
    });

    it('stamps the events of one append with one recordedAt, the transaction time', async () => {
      const before = Date.now();
      const [results] = await store.append([{ streamId: stream(), expectedVersion: 'any', events: [newEvent(), newEvent()] }]);
      const after = Date.now();
      expect(results[0].recordedAt.getTime()).toBe(results[1].recordedAt.getTime());
      expect(results[0].recordedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(results[0].recordedAt.getTime()).toBeLessThanOrEqual(after + 1000);
    });

    it('checks the expected version and appends nothing when it does not hold', async () => {
      const s = stream();
      await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [newEvent()] }]);
      const head = await store.headPosition();
      await expect(store.append([{ streamId: s, expectedVersion: 'no_stream', events: [newEvent()] }])).rejects.toEqual(
        expect.objectContaining({ name: 'WrongExpectedVersionError', streamId: s, expected: 'no_stream', actual: 0 }),
      );
      await expect(store.append([{ streamId: s, expectedVersion: 5, events: [newEvent()] }])).rejects.toBeInstanceOf(
        WrongExpectedVersionError,
      );
      await expect(store.append([{ streamId: stream(), expectedVersion: 0, events: [newEvent()] }])).rejects.toBeInstanceOf(
        WrongExpectedVersionError,
      );
      expect(await store.headPosition()).toBe(head);
      const [ok] = await store.append([{ streamId: s, expectedVersion: 0, events: [newEvent()] }]);
      expect(ok[0].version).toBe(1);
      const [anyResult] = await store.append([{ streamId: s, expectedVersion: 'any', events: [newEvent()] }]);
      expect(anyResult[0].version).toBe(2);
    });

    it('appends to several streams atomically: one failing stream appends nothing', async () => {
      const [a, b] = [stream(), stream()];
      await store.append([{ streamId: b, expectedVersion: 'no_stream', events: [newEvent()] }]);
      const head = await store.headPosition();
      await expect(
        store.append([
          { streamId: a, expectedVersion: 'no_stream', events: [newEvent()] },
          { streamId: b, expectedVersion: 'no_stream', events: [newEvent()] },
        ]),
      ).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect(await store.readStream(a)).toEqual([]);
      expect(await store.headPosition()).toBe(head);
      const results = await store.append([
        { streamId: a, expectedVersion: 'no_stream', events: [newEvent()] },
        { streamId: b, expectedVersion: 0, events: [newEvent(), newEvent()] },
      ]);
      expect(results.map((r) => r.map((e) => e.version))).toEqual([[0], [1, 2]]);
    });

    it('appends an event id once: a redelivery returns the first result, marked duplicate, wherever it is sent', async () => {
      const [s, other] = [stream(), stream()];
      const event = newEvent();
      const [[first]] = await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [event] }]);
      const head = await store.headPosition();
      // All duplicates: no version check, so retrying a whole append that landed is harmless.
      const [[again]] = await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [event] }]);
      const [[elsewhere]] = await store.append([
        { streamId: other, expectedVersion: 'any', events: [{ ...event, data: { changed: true } }] },
      ]);
      expect(again).toEqual({ ...first, duplicate: true });
      expect(elsewhere).toEqual({ ...first, duplicate: true });
      expect(await store.headPosition()).toBe(head);
      expect(await store.readStream(other)).toEqual([]);
    });

    it('skips duplicates inside one append and version-checks the rest', async () => {
      const s = stream();
      const old = newEvent();
      await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [old] }]);
      const fresh = newEvent();
      const [results] = await store.append([{ streamId: s, expectedVersion: 0, events: [old, fresh, fresh] }]);
      expect(results.map((r) => [r.eventId, r.version, r.duplicate])).toEqual([
        [old.eventId, 0, true],
        [fresh.eventId, 1, false],
        [fresh.eventId, 1, true],
      ]);
      await expect(store.append([{ streamId: s, expectedVersion: 0, events: [old, newEvent()] }])).rejects.toBeInstanceOf(
        WrongExpectedVersionError,
      );
      expect((await store.readStream(s)).map((e) => e.eventId)).toEqual([old.eventId, fresh.eventId]);
    });

    it('reads streams from a version, the global log from a position, and events by id', async () => {
      const [a, b] = [stream(), stream()];
      const start = await store.headPosition();
      await store.append([{ streamId: a, expectedVersion: 'any', events: [newEvent('A0'), newEvent('A1'), newEvent('A2')] }]);
      await store.append([{ streamId: b, expectedVersion: 'any', events: [newEvent('B0')] }]);
      expect((await store.readStream(a, { fromVersion: 1 })).map((e) => e.type)).toEqual(['A1', 'A2']);
      expect((await store.readStream(a, { fromVersion: 1, limit: 1 })).map((e) => e.type)).toEqual(['A1']);
      const all = await store.readAll({ after: start, limit: 10 });
      expect(all.map((e) => e.type)).toEqual(['A0', 'A1', 'A2', 'B0']);
      expect((await store.readAll({ after: all[1].globalPosition, limit: 2 })).map((e) => e.type)).toEqual(['A2', 'B0']);
      const someTypes = await store.readAll({ after: start, limit: 2, types: ['A1', 'B0', 'A2'], until: all[3].globalPosition });
      expect(someTypes.map((e) => e.type)).toEqual(['A1', 'A2']);
      expect(
        (await store.readAll({ after: start, limit: 10, types: ['A0', 'B0'], until: all[2].globalPosition })).map((e) => e.type),
      ).toEqual(['A0']);
      // The compact read: the same events by type, with their data and one metadata field's text.
      const compact = await store.readAllCompact({
        after: start,
        limit: 2,
        types: ['A1', 'B0', 'A2'],
        until: all[3].globalPosition,
        metadataField: 'source',
      });
      expect(compact).toEqual(
        someTypes.map((e) => ({
          globalPosition: e.globalPosition,
          eventId: e.eventId,
          streamId: e.streamId,
          type: e.type,
          data: e.data,
          field: 'contract-test',
        })),
      );
      const rest = await store.readAllCompact({
        after: compact[1].globalPosition,
        limit: 2,
        types: ['A1', 'B0', 'A2'],
        until: all[3].globalPosition,
        metadataField: 'nothing',
      });
      expect(rest.map((e) => [e.type, e.field])).toEqual([['B0', null]]);
      const streams = await store.readStreams([b, a, stream()]);
      expect([...streams.values()].map((events) => events.map((e) => e.type))).toEqual([['B0'], ['A0', 'A1', 'A2'], []]);
      const filtered = await store.readStreams([a, b], { types: ['A0', 'A2', 'B0'], until: all[2].globalPosition });
      expect([...filtered.values()].map((events) => events.map((e) => e.type))).toEqual([['A0', 'A2'], []]);
      const byId = await store.readEvents([all[3].eventId, randomUUID()]);
      expect([...byId.values()]).toEqual([all[3]]);
    });

    it('refuses an onlyNew append with an event already stored, appending none of it', async () => {
      const s = stream();
      const first = newEvent('first');
      await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [first] }]);
      const head = await store.headPosition();
      const fresh = newEvent('fresh');
      const refused = store.append([{ streamId: s, expectedVersion: 0, events: [fresh, first] }], { onlyNew: true });
      await expect(refused).rejects.toBeInstanceOf(EventsAlreadyStoredError);
      await expect(refused).rejects.toMatchObject({ eventIds: [first.eventId] });
      expect(await store.headPosition()).toBe(head);
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['first']);
      const [[appended]] = await store.append([{ streamId: s, expectedVersion: 0, events: [fresh] }], { onlyNew: true });
      expect(appended).toMatchObject({ eventId: fresh.eventId, version: 1, duplicate: false });
    });

    it('writes an append after the pending appends it follows, on the versions they leave', async () => {
      const s = stream();
      // Neither awaited before the next is made: a writer deciding on what it has just appended.
      const first = store.append([{ streamId: s, expectedVersion: 'no_stream', events: [newEvent('first')] }], { onlyNew: true });
      const second = store.append([{ streamId: s, expectedVersion: 0, events: [newEvent('second')] }], { onlyNew: true, after: [first] });
      const third = store.append([{ streamId: s, expectedVersion: 1, events: [newEvent('third')] }], { onlyNew: true, after: [second] });
      const [[[a]], [[b]], [[c]]] = await Promise.all([first, second, third]);
      expect([a.version, b.version, c.version]).toEqual([0, 1, 2]);
      expect(b.globalPosition).toBeGreaterThan(a.globalPosition);
      expect(c.globalPosition).toBeGreaterThan(b.globalPosition);
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['first', 'second', 'third']);
    });

    it('refuses an append after one that failed, even where its expected version holds, and those after it', async () => {
      const [s, other] = [stream(), stream()];
      await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [newEvent('A0'), newEvent('A1')] }]);
      const head = await store.headPosition();
      // Decided on version 0, but the stream is at 1: refused. The next append counted its event, so it expects 1, which
      // holds by the other writer's event alone, and the one after that goes to another stream: neither may be stored.
      const failed = store.append([{ streamId: s, expectedVersion: 0, events: [newEvent('lost')] }], { onlyNew: true });
      const follower = store.append([{ streamId: s, expectedVersion: 1, events: [newEvent('built on lost')] }], {
        onlyNew: true,
        after: [failed],
      });
      const next = store.append([{ streamId: other, expectedVersion: 'no_stream', events: [newEvent('built on that')] }], {
        onlyNew: true,
        after: [follower],
      });
      const independent = store.append([{ streamId: other, expectedVersion: 'any', events: [newEvent('independent')] }]);
      await expect(failed).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(follower).rejects.toBeInstanceOf(PrecedingAppendFailedError);
      await expect(follower).rejects.toMatchObject({ streamIds: [s] });
      await expect(next).rejects.toBeInstanceOf(PrecedingAppendFailedError);
      await expect(store.append([{ streamId: s, expectedVersion: 'any', events: [] }], { after: [failed] })).rejects.toBeInstanceOf(
        PrecedingAppendFailedError,
      );
      await independent;
      expect((await store.readStream(s)).map((e) => e.type)).toEqual(['A0', 'A1']);
      expect((await store.readStream(other)).map((e) => e.type)).toEqual(['independent']);
      expect(await store.headPosition()).toBeGreaterThan(head);
      // Once its failure is known, the writer decides again on what is stored.
      const [[again]] = await store.append([{ streamId: s, expectedVersion: 1, events: [newEvent('A2')] }], { onlyNew: true, after: [] });
      expect(again.version).toBe(2);
    });

    it('reads for an append in one call: the stored events among some ids, and each stream after the version held', async () => {
      const [a, b, missing] = [stream(), stream(), stream()];
      const [written] = await store.append([
        { streamId: a, expectedVersion: 'no_stream', events: [newEvent('A0'), newEvent('A1'), newEvent('A2')] },
      ]);
      await store.append([{ streamId: b, expectedVersion: 'no_stream', events: [newEvent('B0')] }]);
      const unknownId = randomUUID();
      const read = await store.readForAppend(
        [written[1].eventId, unknownId],
        [
          { streamId: a, afterVersion: 0 },
          { streamId: b, afterVersion: -1 },
          { streamId: missing, afterVersion: -1 },
        ],
      );
      expect([...read.stored.keys()]).toEqual([written[1].eventId]);
      expect(read.stored.get(written[1].eventId)).toMatchObject({ streamId: a, version: 1, type: 'A1' });
      expect([...read.tails.entries()].map(([id, events]) => [id, events.map((e) => `${e.type}@${e.version}`)])).toEqual([
        [a, ['A1@1', 'A2@2']],
        [b, ['B0@0']],
        [missing, []],
      ]);
      expect([...read.versions.entries()]).toEqual([
        [a, 2],
        [b, 0],
        [missing, -1],
      ]);
      const upToDate = await store.readForAppend([], [{ streamId: a, afterVersion: 2 }]);
      expect(upToDate.stored.size).toBe(0);
      expect(upToDate.tails.get(a)).toEqual([]);
      expect(upToDate.versions.get(a)).toBe(2);
    });

    it('reads a tail of some types only, with the version of the whole stream', async () => {
      const [a, b] = [stream(), stream()];
      await store.append([
        { streamId: a, expectedVersion: 'no_stream', events: ['kept', 'noise', 'noise', 'kept', 'noise'].map((t) => newEvent(t)) },
        { streamId: b, expectedVersion: 'no_stream', events: ['kept', 'noise'].map((t) => newEvent(t)) },
      ]);
      const read = await store.readForAppend(
        [],
        [
          { streamId: a, afterVersion: -1, types: ['kept'] },
          { streamId: b, afterVersion: -1 },
        ],
      );
      const tail = (id: string) => read.tails.get(id)!.map((e) => `${e.type}@${e.version}`);
      expect(tail(a)).toEqual(['kept@0', 'kept@3']);
      expect(tail(b)).toEqual(['kept@0', 'noise@1']);
      expect(read.versions.get(a)).toBe(4);
      expect(read.versions.get(b)).toBe(1);
      const later = await store.readForAppend([], [{ streamId: a, afterVersion: 3, types: ['kept'] }]);
      expect(later.tails.get(a)).toEqual([]);
      expect(later.versions.get(a)).toBe(4);
    });

    it('delivers the log to a subscriber: catch-up from a position, then live, in order', async () => {
      const s = stream();
      await store.append([{ streamId: s, expectedVersion: 'any', events: [newEvent('old-1'), newEvent('old-2')] }]);
      const [firstOld] = await store.readStream(s);
      const seen: string[] = [];
      let resolveAll!: () => void;
      const allSeen = new Promise<void>((resolve) => (resolveAll = resolve));
      const subscription = store.subscribeToAll({ after: firstOld.globalPosition, batchSize: 2 }, async (events) => {
        seen.push(...events.map((e) => e.type));
        if (seen.length === 3) resolveAll();
      });
      await store.append([{ streamId: s, expectedVersion: 'any', events: [newEvent('live-1')] }]);
      await store.append([{ streamId: stream(), expectedVersion: 'any', events: [newEvent('live-2')] }]);
      await allSeen;
      await subscription.stop();
      await subscription.done;
      expect(seen).toEqual(['old-2', 'live-1', 'live-2']);
    });

    it("ends a subscription with the handler's error", async () => {
      await store.append([{ streamId: stream(), expectedVersion: 'any', events: [newEvent()] }]);
      const subscription = store.subscribeToAll({ after: 0 }, async () => {
        throw new Error('projection failed');
      });
      await expect(subscription.done).rejects.toThrow('projection failed');
    });

    it('never lets a reader skip an event: concurrent writers, concurrent readers see the whole log exactly once, in order', async () => {
      const writers = [store, ...(await Promise.all([fixture.otherWriter(), fixture.otherWriter(), fixture.otherWriter()]))];
      const start = await store.headPosition();
      const polled: RecordedEvent[] = [];
      const subscribed: RecordedEvent[] = [];
      let writing = true;
      const subscription = store.subscribeToAll({ after: start, batchSize: 7 }, async (events) => {
        subscribed.push(...events);
      });
      const reader = (async () => {
        let position = start;
        while (writing || (await store.headPosition()) > position) {
          const events = await store.readAll({ after: position, limit: 13 });
          polled.push(...events);
          if (events.length > 0) position = events[events.length - 1].globalPosition;
        }
      })();
      const WRITERS_PER_STORE = 6;
      const APPENDS_PER_WRITER = 25;
      let expectedCount = 0;
      await Promise.all(
        writers.flatMap((writer) =>
          Array.from({ length: WRITERS_PER_STORE }, async () => {
            for (let i = 0; i < APPENDS_PER_WRITER; i++) {
              const size = 1 + (i % 3);
              expectedCount += size;
              await writer.append([
                { streamId: stream(), expectedVersion: 'no_stream', events: Array.from({ length: size }, () => newEvent()) },
              ]);
            }
          }),
        ),
      );
      writing = false;
      await reader;
      while (subscribed.length < expectedCount) await new Promise((resolve) => setTimeout(resolve, 10));
      await subscription.stop();

      const log = await store.readAll({ after: start, limit: expectedCount + 1 });
      expect(log).toHaveLength(expectedCount);
      const ids = (events: RecordedEvent[]) => events.map((e) => e.eventId);
      expect(ids(polled)).toEqual(ids(log));
      expect(ids(subscribed)).toEqual(ids(log));
      const positions = log.map((e) => e.globalPosition);
      expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
    }, 60_000);

    it('never loses an append to one stream under concurrency: conflicts are reported, retries land, versions have no gaps', async () => {
      const s = stream();
      const writers = [store, await fixture.otherWriter()];
      const APPENDS = 40;
      let conflicts = 0;
      await Promise.all(
        Array.from({ length: APPENDS }, async (_, i) => {
          const event = newEvent('Concurrent', { i });
          for (;;) {
            const current = await store.readStream(s);
            const expected = current.length === 0 ? 'no_stream' : current[current.length - 1].version;
            try {
              await writers[i % 2].append([{ streamId: s, expectedVersion: expected, events: [event] }]);
              return;
            } catch (error) {
              if (!(error instanceof WrongExpectedVersionError)) throw error;
              conflicts += 1;
            }
          }
        }),
      );
      const events = await store.readStream(s);
      expect(events.map((e) => e.version)).toEqual(Array.from({ length: APPENDS }, (_, i) => i));
      expect(new Set(events.map((e) => (e.data as { i: number }).i)).size).toBe(APPENDS);
      expect(conflicts).toBeGreaterThan(0);
    }, 60_000);

    it('never lets transaction time go back along the log, and finds what was recorded by an instant', async () => {
      const s = stream();
      await store.append([{ streamId: s, expectedVersion: 'no_stream', events: [newEvent()] }]);
      const [[first]] = await store.append([{ streamId: s, expectedVersion: 0, events: [newEvent()] }]);
      await new Promise((resolve) => setTimeout(resolve, 25));
      const between = new Date();
      await new Promise((resolve) => setTimeout(resolve, 25));
      await store.append([{ streamId: s, expectedVersion: 1, events: [newEvent(), newEvent()] }]);
      expect(await store.positionAt(between)).toBe(first.globalPosition);
      expect(await store.positionAt(new Date(Date.now() + 1000))).toBe(await store.headPosition());
      expect(await store.positionAt(new Date('2000-01-01T00:00:00Z'))).toBe(0);
      const log = await store.readAll({ after: 0, limit: 100_000 });
      for (let i = 1; i < log.length; i++) expect(log[i].recordedAt.getTime()).toBeGreaterThanOrEqual(log[i - 1].recordedAt.getTime());
    });

    // Registered only for stores that keep a chain: KurrentDB's is the server's, out of our reach.
    if (options.hashChain)
      it('chains every event to the one before it, in small, bulk and concurrent appends, and verifies the whole log', async () => {
        if (!isTamperEvident(store)) throw new Error(`${name} keeps no hash chain`);
        const before = await store.headPosition();
        const other = await fixture.otherWriter();
        await Promise.all([
          ...Array.from({ length: 5 }, () => store.append([{ streamId: stream(), expectedVersion: 'any', events: [newEvent()] }])),
          other.append([
            { streamId: stream(), expectedVersion: 'any', events: Array.from({ length: 150 }, () => newEvent('Bulk', { text: 'é\t"' })) },
          ]),
          other.append([{ streamId: stream(), expectedVersion: 'any', events: [newEvent()] }]),
        ]);
        const links = await store.readChain({ after: before, limit: 1000 });
        expect(links).toHaveLength(156);
        let previous = before === 0 ? GENESIS_HASH : (await store.readChain({ after: before - 1, limit: 1 }))[0].hash!;
        for (const link of links) {
          expect(link.prevHash).toBe(previous);
          expect(link.hash).toBe(chainHash(link, previous));
          previous = link.hash!;
        }
        const head = await store.recordedHead();
        expect(head).toEqual(expect.objectContaining({ position: before + 156, hash: previous }));
        const verdict = await verifyLog(store, { pageSize: 40 });
        expect(verdict).toEqual({ ok: true, events: before + 156, head: { position: before + 156, hash: previous } });
        // One stream's links alone (the concurrent appends land in any order: pick a stream of a single event).
        const single = links.find((l) => links.filter((x) => x.streamId === l.streamId).length === 1)!;
        expect(await store.readChain({ after: before, streamId: single.streamId, limit: 10 })).toEqual([single]);
      });
  });
}
