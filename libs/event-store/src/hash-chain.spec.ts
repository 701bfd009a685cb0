import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import { canonicalBody, chainDocument, chainHash, chainHashOfBody, ChainWalker, GENESIS_HASH } from './hash-chain';

const event = (data: unknown, metadata: unknown = { b: 1, a: 'x' }) => ({
  globalPosition: 42,
  eventId: '0b3c5f8e-1234-4abc-9def-0123456789ab',
  streamId: 'account-\t"é\u2028🙂\\',
  version: 7,
  type: 'Type"\\',
  schemaVersion: 1,
  data,
  metadata,
  recordedAt: new Date('2026-03-01T10:00:00.123Z'),
});

describe('hash chain', () => {
  it('hashes the RFC 8785 form of the export line without its hash', () => {
    // RFC 8785 §3.2.3's own example of key ordering by UTF-16 code units, inside data.
    const e = event({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One' });
    const expected =
      '{"data":{"\\r":"Carriage Return","1":"One","\u20ac":"Euro Sign","\ufb33":"Hebrew Letter Dalet With Dagesh"},' +
      '"eventId":"0b3c5f8e-1234-4abc-9def-0123456789ab","globalPosition":42,"metadata":{"a":"x","b":1},' +
      `"prevHash":"${GENESIS_HASH}","recordedAt":"2026-03-01T10:00:00.123Z","schemaVersion":1,` +
      '"streamId":"account-\\t\\"é\u2028🙂\\\\","type":"Type\\"\\\\","version":7}';
    expect(chainHash(e, GENESIS_HASH)).toBe(createHash('sha256').update(expected).digest('hex'));
    expect(Object.keys(chainDocument(e, GENESIS_HASH))).toHaveLength(10);
  });

  it.each([
    ['numbers', { n: [0, -0, 1e21, 1e-7, 0.1 + 0.2, -12345678.91, 2 ** 53] }],
    ['nesting and order', { z: { y: [{ b: 1, a: [null, true, false] }], x: {} }, a: [] }],
    ['text', { s: 'tab\there\nnewline "quote" \\ é 漢字 🙂 \u0001 \u001f \u007f \u2028 \u2029 lone \ud800 and \udfff' }],
    ['keys that sort by code unit', { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, b: { é: 1, e: 2, E: 3, '': 4, '10': 5, '9': 6 } }],
    ['an empty object', {}],
    // Serialised natively when every object's keys are in order already: these must come out as the sorting path's.
    ['keys in order already', { a: 1, b: { c: [{ d: null, e: 'x' }, [{ f: 2 }]], g: {} }, h: 'é' }],
    ['keys in order but one nested object', { a: 1, b: { c: [{ e: null, d: 'x' }] } }],
    ['integer-like keys, enumerated before the others', { '10': 1, '9': 2, a: 3 }],
    ['an integer-like key that sorts first', { '1': 1, a: 2 }],
    ['undefined properties, skipped', { a: undefined, b: 1, c: [undefined] }],
  ])('computes the same hash on the write path, from the body serialised earlier: %s', (_, data) => {
    for (const metadata of [
      { source: { system: 'crm', eventId: 'x' }, accountId: 'a', recordedBy: 'key' },
      { accountId: 'a', occurredAt: '2026-03-01T10:00:00Z', recordedBy: 'key', source: { eventId: 'x', system: 'crm' } },
    ]) {
      const e = event(data, metadata);
      expect(chainHashOfBody(e, canonicalBody(e), e.recordedAt.toISOString(), 'ab'.repeat(32))).toBe(chainHash(e, 'ab'.repeat(32)));
    }
  });

  it('serialises data and metadata in RFC 8785 form, whether their keys came sorted or not', () => {
    const sorted = { a: [1, { b: 2, c: 'd' }], e: { f: true } };
    const unsorted = { e: { f: true }, a: [1, { c: 'd', b: 2 }] };
    expect(canonicalBody({ data: sorted, metadata: unsorted })).toEqual({ data: canonicalize(sorted), metadata: canonicalize(unsorted) });
    expect(canonicalBody({ data: sorted, metadata: unsorted }).data).toBe('{"a":[1,{"b":2,"c":"d"}],"e":{"f":true}}');
    expect(canonicalBody({ data: unsorted, metadata: sorted }).data).toBe('{"a":[1,{"b":2,"c":"d"}],"e":{"f":true}}');
  });

  it('sorts what an object of a class serialises to (toJSON), which native JSON.stringify would write unsorted', () => {
    class Money {
      toJSON() {
        return { units: 12, currency: 'EUR' };
      }
    }
    const body = canonicalBody({ data: { amount: new Money(), at: new Date('2026-03-01T10:00:00Z') }, metadata: {} });
    expect(body.data).toBe('{"amount":{"currency":"EUR","units":12},"at":"2026-03-01T10:00:00.000Z"}');
  });

  it('breaks at the first link whose hash does not follow, and reports a head that the log does not reach', () => {
    const links = [1, 2, 3].map((n) => ({ ...event({ n }), globalPosition: n, hash: '' }));
    let previous = GENESIS_HASH;
    for (const link of links) previous = link.hash = chainHash(link, previous);
    expect(new ChainWalker().push(links)).toBe(true);

    const walker = new ChainWalker();
    walker.push(links);
    expect(walker.finish({ position: 5, hash: null })).toEqual(
      expect.objectContaining({ ok: false, events: 3, firstBroken: expect.objectContaining({ position: 4, reason: 'missing' }) }),
    );

    const edited = links.map((l) => ({ ...l }));
    edited[1].data = { n: 20 };
    const broken = new ChainWalker();
    expect(broken.push(edited)).toBe(false);
    expect(broken.finish({ position: 3, hash: links[2].hash })).toEqual({
      ok: false,
      events: 1,
      head: { position: 1, hash: links[0].hash },
      firstBroken: expect.objectContaining({ position: 2, eventId: links[1].eventId, found: links[1].hash, reason: 'hash_mismatch' }),
    });
  });
});
