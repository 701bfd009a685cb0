import { copyJson, copyText, CopyTextBuffer, NEWLINE, TAB } from './copy-text-buffer';

describe('CopyTextBuffer', () => {
  const texts = ['plain', 'zürich', '東京 office', 'emoji 😀 pair', '', '{"a":"b\\\\c"}'];

  it('writes what Buffer.from would encode from the same text', () => {
    const writer = new CopyTextBuffer(1024);
    for (const text of texts) writer.ascii('42\t').text(text).byte(TAB).ascii('c0ffee').byte(NEWLINE);
    const expected = texts.map((text) => `42\t${text}\tc0ffee\n`).join('');
    expect(writer.result().toString('utf8')).toBe(expected);
    expect(writer.result().equals(Buffer.from(expected))).toBe(true);
  });

  it('writes short and long text alike, ASCII or not, wherever a character past ASCII falls', () => {
    const writer = new CopyTextBuffer(16);
    const hex = 'c0ffee'.repeat(20);
    const cases = [hex, hex.slice(0, 48), hex.slice(0, 49), 'a'.repeat(47) + 'é', 'é' + 'a'.repeat(60), 'ab😀', ''];
    for (const text of cases) writer.text(text).byte(TAB);
    writer.ascii(hex).byte(TAB).ascii(hex.slice(0, 48)).byte(NEWLINE);
    const expected = `${cases.join('\t')}\t${hex}\t${hex.slice(0, 48)}\n`;
    expect(writer.result().equals(Buffer.from(expected))).toBe(true);
    expect(writer.written).toBe(Buffer.byteLength(expected));
  });

  it('keeps what was written when room is made ahead, and counts only what was written', () => {
    const writer = new CopyTextBuffer(1);
    writer.ascii('first').byte(TAB);
    writer.expect(100_000);
    expect(writer.written).toBe(6);
    writer.text('zürich').byte(NEWLINE);
    writer.expect(3);
    expect(writer.result().toString('utf8')).toBe('first\tzürich\n');
  });

  it('grows past the capacity it was given, keeping what was written before', () => {
    const writer = new CopyTextBuffer(1);
    const lines: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const text = texts[i % texts.length].repeat(1 + (i % 5));
      lines.push(`${i}\t${text}\n`);
      writer.ascii(String(i)).byte(TAB).text(text).byte(NEWLINE);
    }
    expect(writer.result().toString('utf8')).toBe(lines.join(''));
  });

  it('writes a character whole where it would cross the end of the buffer', () => {
    const writer = new CopyTextBuffer(300);
    writer.text('a'.repeat(299)).text('é');
    expect(writer.result().toString('utf8')).toBe(`${'a'.repeat(299)}é`);
    expect(writer.result().length).toBe(301);
  });
});

describe('COPY text escapes', () => {
  it('escapes what COPY would read as a delimiter, a line end or an escape, and leaves other text as it is', () => {
    expect(copyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    const plain = 'zürich 東京 😀';
    expect(copyText(plain)).toBe(plain);
  });

  it('doubles the backslashes of JSON text, and only those', () => {
    const json = JSON.stringify({ path: 'C:\\dir', quote: '"', line: 'a\nb' });
    expect(copyJson(json)).toBe(json.replace(/\\/g, '\\\\'));
    expect(copyJson('{"a":1}')).toBe('{"a":1}');
  });
});
