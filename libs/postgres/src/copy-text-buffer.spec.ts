import { CopyTextBuffer, NEWLINE, TAB } from './copy-text-buffer';

describe('CopyTextBuffer', () => {
  const texts = ['plain', 'zürich', '東京 office', 'emoji 😀 pair', '', '{"a":"b\\\\c"}'];

  it('writes what Buffer.from would encode from the same text', () => {
    const writer = new CopyTextBuffer(1024);
    for (const text of texts) writer.ascii('42\t').text(text).byte(TAB).ascii('c0ffee').byte(NEWLINE);
    const expected = texts.map((text) => `42\t${text}\tc0ffee\n`).join('');
    expect(writer.result().toString('utf8')).toBe(expected);
    expect(writer.result().equals(Buffer.from(expected))).toBe(true);
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
