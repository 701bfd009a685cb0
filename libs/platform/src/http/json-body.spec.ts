import { Readable } from 'node:stream';
import { chunked } from '../../../../test/support/chunked';
import { elementsInBody, JsonBodyLimits, readJsonBody } from './json-body';

const LIMITS: JsonBodyLimits = { maxBytes: 1_000_000, maxItems: 100 };

/** The body sent as these chunks, its Content-Length that of all of them unless given. */
function read(chunks: Buffer[], limits = LIMITS, contentLength = Buffer.concat(chunks).length): Promise<unknown> {
  return new Promise((resolve, reject) =>
    readJsonBody(Readable.from(chunks), contentLength, limits, (error, body) => (error ? reject(error) : resolve(body))),
  );
}

const SIZES = [1, 2, 3, 7, 64, 1_000_000];

describe('readJsonBody', () => {
  const elements = [
    { type: 'AccountOpened', accountId: 'zürich-ünïcode', data: { name: 'Société Générale — 東京 🚀', tags: ['[', ']', '{', '}', ','] } },
    { summary: 'a "quoted" \\ back\\slash, \\"escaped quote\\" and \u0000 \n \t', nested: [[1, [2, { a: [] }]], {}] },
    'a string, with ] and }',
    -12.5e3,
    true,
    null,
    [],
    {},
  ];

  it('gives a top-level array its elements, in order, as JSON.parse does, wherever the chunks end', async () => {
    for (const text of [
      JSON.stringify(elements),
      JSON.stringify(elements, null, 2),
      ` \r\n[ ${elements.map((e) => JSON.stringify(e)).join(' ,\n ')} ]\n `,
    ]) {
      for (const size of SIZES) expect(await read(chunked(text, size))).toEqual(JSON.parse(text));
    }
  });

  it('reads any other JSON value whole, as Fastify did', async () => {
    for (const value of [{ type: 'x', list: [1, 2] }, 'text', 42, null]) {
      for (const size of [1, 5, 1_000_000]) expect(await read(chunked(` ${JSON.stringify(value)} `, size))).toEqual(value);
    }
    expect(await read([Buffer.from('\ufeff{"a":1}')])).toEqual({ a: 1 });
    expect(await read([Buffer.from('[]')])).toEqual([]);
    expect(await read([Buffer.from(' [ \n ] ')])).toEqual([]);
  });

  it("refuses malformed JSON, in an element or around them, with Fastify's error", async () => {
    const malformed = [
      '[1,]',
      '[,1]',
      '[1 2]',
      '[{"a":1]',
      '[{"a":1}',
      '[1]]',
      '[1] x',
      '[}',
      '["open]',
      '[{"a":}]',
      '{"a":',
      '[1,,2]',
      '  ',
    ];
    for (const text of malformed) {
      for (const size of [1, 1_000_000]) {
        await expect(read(chunked(text, size))).rejects.toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 });
      }
    }
    await expect(read([])).rejects.toMatchObject({ code: 'FST_ERR_CTP_EMPTY_JSON_BODY' });
  });

  it('refuses prototype poisoning in an element, as Fastify does', async () => {
    for (const text of ['[{"a":1},{"__proto__":{"admin":true}}]', '[{"constructor":{"prototype":{"admin":true}}}]', '{"__proto__":{}}']) {
      await expect(read(chunked(text, 3))).rejects.toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY' });
    }
  });

  it('parses one element more than the limit, and counts the rest without parsing them', async () => {
    const many = Array.from({ length: 250 }, (_, i) => ({ i }));
    // A malformed element past the limit is not parsed: the batch is refused for its size alone.
    const text = `${JSON.stringify(many).slice(0, -1)},{"broken":}]`;
    const body = (await read(chunked(text, 97))) as unknown[];
    expect(body).toEqual(many.slice(0, 101));
    expect(elementsInBody(body)).toBe(251);
    expect(elementsInBody((await read([Buffer.from('[1,2,3]')])) as unknown[])).toBe(3);
  });

  it("keeps Fastify's limits: the body's size, its Content-Length", async () => {
    const text = JSON.stringify(Array.from({ length: 50 }, () => ({ summary: 'x'.repeat(100) })));
    await expect(read(chunked(text, 500), { ...LIMITS, maxBytes: 1000 })).rejects.toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    await expect(read([Buffer.from('[1]')], { ...LIMITS, maxBytes: 1000 }, 5000)).rejects.toMatchObject({
      code: 'FST_ERR_CTP_BODY_TOO_LARGE',
    });
    await expect(read([Buffer.from('[1]')], LIMITS, 7)).rejects.toMatchObject({ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' });
  });

  it('answers a broken stream with its error, as a client error', async () => {
    const broken = new Readable({
      read() {
        this.push(Buffer.from('[{"a":'));
        this.destroy(new Error('connection reset'));
      },
    });
    const error = await new Promise<Error & { statusCode?: number }>((resolve) => readJsonBody(broken, NaN, LIMITS, (e) => resolve(e!)));
    expect(error).toMatchObject({ message: 'connection reset', statusCode: 400 });
  });
});
