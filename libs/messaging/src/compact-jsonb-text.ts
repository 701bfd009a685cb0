/**
 * A jsonb value's text as PostgreSQL outputs it (`payload::text`), as UTF-8 without the space it puts after each `:`
 * and `,`: the bytes of what JSON.stringify gives for the same value once parsed, without parsing it. For the outbox
 * relay, which sent each row's payload through node-postgres's JSON.parse and JSON.stringify again (2026-12-04,
 * docs/benchmarks.md). jsonb's output has no other whitespace outside strings, and escapes in strings what
 * JSON.stringify escapes, the same way; a string's bytes are copied as they are (a multi-byte character's bytes are
 * all ≥ 0x80, never a quote, backslash or space). Numbers are as PostgreSQL writes them: JSON.stringify's form, but
 * beyond ±1e21 or under 1e-6, which it writes without an exponent (the value is the same). JSON.stringify's own text
 * (the outbox's payloads since the column is json; those written before keep jsonb's) comes through as it is.
 */
export function compactJsonbText(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  let length = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) {
        bytes[length++] = byte;
        i++;
      } else if (byte === QUOTE) {
        inString = false;
      }
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === SPACE) {
      continue;
    }
    bytes[length++] = bytes[i];
  }
  return bytes.subarray(0, length);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
