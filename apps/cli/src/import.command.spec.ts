import { Readable } from 'node:stream';
import { chunked } from '../../../test/support/chunked';
import { accountIdOfLine, linesOf } from './import.command';

async function read(chunks: Buffer[]): Promise<Array<{ text: string; bytes: number }>> {
  const lines: Array<{ text: string; bytes: number }> = [];
  for await (const batch of linesOf(Readable.from(chunks))) {
    lines.push(...batch.map(({ line, bytes }) => ({ text: line.toString('utf8'), bytes })));
  }
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

describe('accountIdOfLine', () => {
  const of = (line: string) => accountIdOfLine(Buffer.from(line));
  const envelope = {
    type: 'AccountOpened',
    accountId: 'Société-東京-🚀',
    occurredAt: '2026-03-02T10:00:00Z',
    source: { system: 'crm', eventId: 'e-1' },
    data: { name: 'Acme {accountId: x}' },
  };

  it("reads the envelope's account id off the line, as parsing it gives it, whatever the spacing", () => {
    expect(of(JSON.stringify(envelope))).toBe(envelope.accountId);
    expect(of(JSON.stringify(envelope, null, 0).replace('"accountId":', ' "accountId" :\t '))).toBe(envelope.accountId);
    expect(of(`  ${JSON.stringify({ data: { name: 'x' }, accountId: 'later' })}`)).toBe('later');
    // Bytes that are not UTF-8 read as parsing the decoded line reads them.
    const invalid = Buffer.concat([Buffer.from('{"accountId":"a'), Buffer.from([0xff]), Buffer.from('b","type":"X"}')]);
    expect(accountIdOfLine(invalid)).toBe((JSON.parse(invalid.toString('utf8')) as { accountId: string }).accountId);
  });

  it('leaves to parsing every line where the bytes cannot say exactly', () => {
    // An escape anywhere: a string may then hold a quote, or a key be written with escapes.
    expect(of(JSON.stringify({ ...envelope, accountId: 'a\\"b' }))).toBeUndefined();
    expect(of('{"\\u0061ccountId":"a"}')).toBeUndefined();
    expect(of(JSON.stringify({ ...envelope, data: { name: 'tab\there' } }))).toBeUndefined();
    // An export line, turned back into its envelope; no account id; a value that is no string; not an object.
    expect(of(JSON.stringify({ globalPosition: 1, hash: 'ab', metadata: { accountId: 'a' } }))).toBeUndefined();
    expect(of('{"hash":"x","accountId":"a"}')).toBeUndefined();
    expect(of(JSON.stringify({ type: 'AccountOpened' }))).toBeUndefined();
    expect(of('{"accountId":42}')).toBeUndefined();
    expect(of('{"accountId"}')).toBeUndefined();
    expect(of('{"accountId":"unterminated')).toBeUndefined();
    expect(of('["accountId","a"]')).toBeUndefined();
    expect(of('')).toBeUndefined();
    expect(of('   ')).toBeUndefined();
  });

  it('takes "accountId" without a colon after it for a string value, not a key', () => {
    expect(of('{"type":"accountId","other":"x"}')).toBeUndefined();
    expect(of('{"tags":["accountId"],"accountId":"real"}')).toBe('real');
  });
});
