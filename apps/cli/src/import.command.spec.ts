import { Readable } from 'node:stream';
import { chunked } from '../../../test/support/chunked';
import { linesOf } from './import.command';

async function read(chunks: Buffer[]): Promise<Array<{ text: string; bytes: number }>> {
  const lines: Array<{ text: string; bytes: number }> = [];
  for await (const batch of linesOf(Readable.from(chunks))) lines.push(...batch);
  return lines;
}

describe('linesOf', () => {
  const text = '{"name":"Société Générale — 東京 🚀"}\r\n\n{"n":2}\n   \n{"last":"no newline"}';

  it('gives each line and its bytes, wherever the chunks end (inside a line, a character, a CRLF)', async () => {
    for (const size of [1, 2, 3, 5, 64, 1_000_000]) {
      const lines = await read(chunked(text, size));
      expect(lines.map((l) => l.text)).toEqual(['{"name":"Société Générale — 東京 🚀"}', '', '{"n":2}', '   ', '{"last":"no newline"}']);
      // Where each line starts is what a resumed import seeks to.
      expect(lines.reduce((n, l) => n + l.bytes, 0)).toBe(Buffer.byteLength(text));
      expect(lines[0].bytes).toBe(Buffer.byteLength('{"name":"Société Générale — 東京 🚀"}\r\n'));
    }
  });

  it('gives nothing for an empty input, and one line for a line without a newline', async () => {
    expect(await read([])).toEqual([]);
    expect(await read(chunked('{"a":1}', 3))).toEqual([{ text: '{"a":1}', bytes: 7 }]);
  });
});
