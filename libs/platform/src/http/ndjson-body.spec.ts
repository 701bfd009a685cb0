import { Readable } from 'node:stream';
import { chunked } from '../../../../test/support/chunked';
import { NdjsonBody, NdjsonLimits, readNdjson } from './ndjson-body';

const LIMITS: NdjsonLimits = { maxBytes: 1_000_000, maxItems: 100 };

/** The body sent as these chunks, its Content-Length that of all of them unless given. */
function read(chunks: Buffer[], limits = LIMITS, contentLength = Buffer.concat(chunks).length): Promise<NdjsonBody> {
  return new Promise((resolve, reject) =>
    readNdjson(Readable.from(chunks), contentLength, limits, (error, body) => (error ? reject(error) : resolve(body!))),
  );
}

describe('readNdjson', () => {
  const lines = [
    { type: 'AccountOpened', accountId: 'zürich-ünïcode', data: { name: 'Société Générale — 東京 🚀' } },
    { type: 'InteractionLogged', accountId: 'a', data: { summary: 'x'.repeat(300) } },
    { n: 3 },
  ];

  it('gives each line its value, in order, wherever the chunks end (inside a line, a character, a CRLF)', async () => {
    const text = lines.map((l) => JSON.stringify(l)).join('\r\n') + '\n';
    for (const size of [1, 2, 3, 7, 64, 1_000_000]) {
      const body = await read(chunked(text, size));
      expect(body.items).toEqual(lines);
      expect(body.malformed).toEqual([]);
    }
  });

  it('skips blank lines and takes a last line without a newline', async () => {
    const body = await read(chunked(`\n${JSON.stringify(lines[0])}\n   \n\n${JSON.stringify(lines[2])}`, 5));
    expect(body.items).toEqual([lines[0], lines[2]]);
  });

  it('names each line that is not JSON by its item index, and keeps its place', async () => {
    const body = await read(chunked(`{"a":1}\n{oops\n{"b":2}\n[1,\n`, 4));
    expect(body.items).toEqual([{ a: 1 }, undefined, { b: 2 }, undefined]);
    expect(body.malformed).toEqual([
      { index: 1, message: expect.stringContaining('is not valid JSON') },
      { index: 3, message: expect.stringContaining('is not valid JSON') },
    ]);
  });

  it('refuses prototype poisoning in a line, as in a JSON batch, naming the line', async () => {
    const body = await read(chunked(`{"a":1}\n{"__proto__":{"admin":true}}\n{"constructor":{"prototype":{"admin":true}}}\n`, 6));
    expect(body.items).toEqual([{ a: 1 }, undefined, undefined]);
    expect(body.malformed).toEqual([
      { index: 1, message: expect.stringContaining('forbidden prototype property') },
      { index: 2, message: expect.stringContaining('forbidden prototype property') },
    ]);
  });

  it('parses one line more than maxItems and reads the rest without parsing it', async () => {
    const text = Array.from({ length: 50 }, (_, i) => (i === 40 ? '{not json' : JSON.stringify({ i }))).join('\n');
    const body = await read(chunked(text, 9), { maxBytes: 1_000_000, maxItems: 10 });
    expect(body.items).toEqual(Array.from({ length: 11 }, (_, i) => ({ i })));
    expect(body.malformed).toEqual([]);
  });

  it("refuses a body past maxBytes with Fastify's 413, whether its Content-Length says so or not", async () => {
    const text = JSON.stringify({ long: 'y'.repeat(200) });
    await expect(read(chunked(text, 16), { maxBytes: 100, maxItems: 10 })).rejects.toMatchObject({
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
      statusCode: 413,
    });
    await expect(read(chunked(text, 16), { maxBytes: 100, maxItems: 10 }, Number.NaN)).rejects.toMatchObject({
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
  });

  it('refuses a body shorter than its Content-Length, and passes on a broken stream as a 400', async () => {
    await expect(read([Buffer.from('{"a":1}\n')], LIMITS, 100)).rejects.toMatchObject({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' });
    const broken = new Readable({
      read() {
        this.push(Buffer.from('{"a":'));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(
      new Promise((resolve, reject) => readNdjson(broken, Number.NaN, LIMITS, (error, body) => (error ? reject(error) : resolve(body)))),
    ).rejects.toMatchObject({ message: 'connection reset', statusCode: 400 });
  });
});
