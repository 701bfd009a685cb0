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
    this.length += this.buffer.write(text, this.length, 'latin1');
    return this;
  }

  /** Any text, as UTF-8. */
  text(text: string): this {
    // UTF-8 takes at most 3 bytes a UTF-16 code unit (a surrogate pair's 4 bytes are 2 units); short of that room,
    // the exact length, so that a buffer sized for the expected bytes grows only when they are more.
    if (this.length + 3 * text.length > this.buffer.length) this.reserve(Buffer.byteLength(text, 'utf8'));
    this.length += this.buffer.write(text, this.length, 'utf8');
    return this;
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
