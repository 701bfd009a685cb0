/**
 * Up to this many characters, text is copied a character at a time in JavaScript rather than by `Buffer#write`, whose
 * call into Node's encoder costs ~50 ns whatever the length: a field's number, id or instant in 3–48 ns against
 * 45–118, a 462-character JSON document in ~800 against ~68 (a script, 2026-12-04).
 */
const SHORT_TEXT = 48;

/**
 * The text of a `COPY … FROM STDIN`, written field by field into one Buffer that grows as needed. Lines built as
 * template strings, joined, then encoded by `Buffer.from` cost 3.3–4.4 µs a row of the event log (~600 bytes; V8
 * flattens the joined rope before encoding it); written in place, ~1.4 µs (docs/benchmarks.md, "The event log's COPY
 * text, written in place").
 * Escaping is the caller's (`copyText`, `copyJson`): it knows its columns' formats.
 */
export class CopyTextBuffer {
  private buffer: Buffer;
  private length = 0;

  /** `capacity`: the bytes expected, so that ASCII text never has to grow the buffer. */
  constructor(capacity: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(capacity, 256));
  }

  /** Text known to be ASCII (numbers, UUIDs, ISO instants, hex), written a byte a character. */
  ascii(text: string): this {
    this.reserve(text.length);
    if (text.length <= SHORT_TEXT) {
      const buffer = this.buffer;
      const at = this.length;
      for (let i = 0; i < text.length; i++) buffer[at + i] = text.charCodeAt(i);
      this.length += text.length;
    } else {
      this.length += this.buffer.write(text, this.length, 'latin1');
    }
    return this;
  }

  /** Any text, as UTF-8. */
  text(text: string): this {
    // UTF-8 takes at most 3 bytes a UTF-16 code unit (a surrogate pair's 4 bytes are 2 units); short of that room,
    // the exact length, so that a buffer sized for the expected bytes grows only when they are more.
    if (this.length + 3 * text.length > this.buffer.length) this.reserve(Buffer.byteLength(text, 'utf8'));
    if (text.length > SHORT_TEXT || !this.writtenIfAscii(text)) this.length += this.buffer.write(text, this.length, 'utf8');
    return this;
  }

  /** Bytes written so far. */
  get written(): number {
    return this.length;
  }

  /**
   * Room for `bytes` in all, made now: a caller that can tell the whole text's size from its first part grows the
   * buffer once, rather than doubling it as the rest comes, each doubling a copy of everything written.
   */
  expect(bytes: number): void {
    this.reserve(bytes - this.length);
  }

  /** One ASCII character, by its code (a tab, a newline). */
  byte(code: number): this {
    this.reserve(1);
    this.buffer[this.length++] = code;
    return this;
  }

  /** What was written (a view of the buffer, not a copy). */
  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /**
   * Short text copied a byte a character while it is ASCII; false at the first character past it, with `length` where
   * it was, for the caller to write the text whole as UTF-8.
   */
  private writtenIfAscii(text: string): boolean {
    const buffer = this.buffer;
    const at = this.length;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return false;
      buffer[at + i] = code;
    }
    this.length += text.length;
    return true;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

export const TAB = 0x09;
export const NEWLINE = 0x0a;

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Any text as a field of COPY's text format: backslashes, tabs, newlines and carriage returns escaped. */
export function copyText(text: string): string {
  // Tested first: most fields hold none, and a replace that finds nothing still costs its scan and a call.
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]) : text;
}

/** JSON text as a field of COPY's text format: JSON never holds raw tabs or newlines, only backslashes to double. */
export function copyJson(json: string): string {
  return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
}
