import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';
import secureJson from 'secure-json-parse';
import { readStreamedBody } from './streamed-body';

/** Fastify's own choice for its JSON parser: a body with `__proto__` or `constructor.prototype` keys is refused. */
export const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

export interface JsonBodyLimits {
  /** Bytes the body may hold; past them the read stops with Fastify's 413 (FST_ERR_CTP_BODY_TOO_LARGE). */
  maxBytes: number;
  /** Elements of a top-level array worth parsing: one more is parsed, the rest only counted (`elementsInBody`). */
  maxItems: number;
}

const ELEMENTS = Symbol('rapport.elementsInBody');

/** How many elements a top-level JSON array body held, when `readJsonBody` parsed only the first of them. */
export function elementsInBody(body: readonly unknown[]): number {
  return (body as { [ELEMENTS]?: number })[ELEMENTS] ?? body.length;
}

/** The bytes the scan looks at (ASCII, so never part of a multi-byte UTF-8 character). */
const Byte = {
  Tab: 0x09,
  Newline: 0x0a,
  Return: 0x0d,
  Space: 0x20,
  Quote: 0x22,
  Comma: 0x2c,
  OpenBracket: 0x5b,
  Backslash: 0x5c,
  CloseBracket: 0x5d,
  OpenBrace: 0x7b,
  CloseBrace: 0x7d,
} as const;

const isSpace = (byte: number) => byte === Byte.Space || byte === Byte.Newline || byte === Byte.Return || byte === Byte.Tab;

/**
 * Reads an application/json body as it arrives. A top-level array (a batch) is cut into its elements while it is
 * still on the wire, and the elements each chunk completes are parsed together, as Fastify's parser would
 * (secure-json-parse, the same options): a large batch is parsed while the rest of it arrives, and the whole body is
 * never held as one string.
 * Only `maxItems` + 1 elements are parsed; the rest are scanned and counted (`elementsInBody`), for the route to
 * refuse the batch by its size. Any other JSON value is read whole and parsed at the end. Malformed JSON, anywhere,
 * gets Fastify's FST_ERR_CTP_INVALID_JSON_BODY (an empty body, FST_ERR_CTP_EMPTY_JSON_BODY), as before.
 *
 * The scan looks at structure only: brackets, braces, commas and quotes outside strings, and backslashes inside
 * them, none of which UTF-8 uses inside a multi-byte character; an element's own syntax is JSON.parse's to check.
 */
export function readJsonBody(
  payload: Readable,
  contentLength: number,
  limits: JsonBodyLimits,
  done: (error: Error | null, body?: unknown) => void,
): void {
  /** 'start': before the first byte that is not blank; 'array': inside a top-level array; 'after': past its `]`. */
  let mode: 'start' | 'array' | 'after' | 'whole' | 'invalid' = 'start';
  /** Everything received, while the body is not an array. */
  const whole: Buffer[] = [];
  let received = 0;
  const items: unknown[] = [];
  let elements = 0;
  /** Nesting inside the current element; 0 between elements. */
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** Whether the current element has begun (a byte that is not blank), and whether a comma came before it. */
  let begun = false;
  let afterComma = false;
  /**
   * The elements not parsed yet: the bytes of earlier chunks from the first of them on. They are parsed a run at a
   * time, every complete element of a chunk in one JSON.parse: one call an element cost 70 % more than the whole
   * body's parse (a micro-benchmark of 1,000 envelopes).
   */
  let run: Buffer[] = [];
  /** Whether elements are still parsed: not past `maxItems` + 1. */
  let parsing = true;

  /** Parses the run's complete elements, which end before `end` in `chunk` (from `from`), and keeps the rest. */
  const parseRun = (chunk: Buffer, from: number, end: number): boolean => {
    const text = (run.length > 0 ? Buffer.concat([...run, chunk.subarray(from, end)]) : chunk.subarray(from, end)).toString('utf8');
    run = [];
    try {
      const parsed = secureJson.parse(`[${text}]`, undefined, PARSE_OPTIONS) as unknown[];
      for (const item of parsed) items.push(item);
      return true;
    } catch {
      return false;
    }
  };

  /** The chunk's next backslash at or after the last place looked (-1: none left; -2: not looked yet). */
  let nextBackslash = -2;
  /**
   * Skips to the end of the string the scan is in, or of the chunk: by indexOf from quote to quote, which is where
   * most of a batch's bytes are, rather than byte by byte. Returns where the scan goes on.
   */
  const skipString = (chunk: Buffer, from: number): number => {
    let i = from;
    for (;;) {
      if (i >= chunk.length) return chunk.length;
      if (escaped) {
        // The escaped byte: a quote there does not end the string.
        escaped = false;
        i += 1;
        continue;
      }
      const quote = chunk.indexOf(Byte.Quote, i);
      if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(Byte.Backslash, i);
      if (nextBackslash !== -1 && (quote === -1 || nextBackslash < quote)) {
        i = nextBackslash + 1;
        escaped = true;
        continue;
      }
      if (quote === -1) return chunk.length;
      inString = false;
      return quote + 1;
    }
  };

  const scanArray = (chunk: Buffer, from: number) => {
    nextBackslash = -2;
    /** Where this chunk's part of the run starts, and the separator after its last complete element (-1: none). */
    const runFrom = from;
    let lastEnd = -1;
    for (let i = from; i < chunk.length; i++) {
      if (inString) {
        // The loop's i++ steps past the closing quote's successor otherwise.
        i = skipString(chunk, i) - 1;
        continue;
      }
      const byte = chunk[i];
      if (byte === Byte.Quote) {
        inString = true;
        begun = true;
      } else if (byte === Byte.OpenBrace || byte === Byte.OpenBracket) {
        depth += 1;
        begun = true;
      } else if (depth > 0 && (byte === Byte.CloseBrace || byte === Byte.CloseBracket)) {
        depth -= 1;
      } else if (depth === 0 && (byte === Byte.Comma || byte === Byte.CloseBracket)) {
        const closesEmpty = byte === Byte.CloseBracket && !begun && !afterComma && elements === 0;
        if (!closesEmpty) {
          // An element missing: `[,`, `,,`, `,]`.
          if (!begun) {
            mode = 'invalid';
            return;
          }
          elements += 1;
          if (parsing) lastEnd = i;
          if (parsing && elements > limits.maxItems) {
            if (!parseRun(chunk, runFrom, i)) {
              mode = 'invalid';
              return;
            }
            parsing = false;
          }
        }
        begun = false;
        afterComma = byte === Byte.Comma;
        if (byte === Byte.CloseBracket) {
          if (parsing && lastEnd >= 0 && !parseRun(chunk, runFrom, lastEnd)) {
            mode = 'invalid';
            return;
          }
          mode = 'after';
          scanAfter(chunk, i + 1);
          return;
        }
      } else if (depth === 0 && byte === Byte.CloseBrace) {
        mode = 'invalid';
        return;
      } else if (!isSpace(byte)) {
        begun = true;
      }
    }
    if (!parsing) return;
    if (lastEnd < 0) {
      run.push(chunk.subarray(runFrom));
      return;
    }
    if (!parseRun(chunk, runFrom, lastEnd)) {
      mode = 'invalid';
      return;
    }
    run.push(chunk.subarray(lastEnd + 1));
  };

  const scanAfter = (chunk: Buffer, from: number) => {
    for (let i = from; i < chunk.length; i++) {
      if (!isSpace(chunk[i])) {
        mode = 'invalid';
        return;
      }
    }
  };

  const onChunk = (chunk: Buffer) => {
    received += chunk.length;
    if (mode === 'start') {
      let i = 0;
      while (i < chunk.length && isSpace(chunk[i])) i++;
      if (i === chunk.length) {
        whole.push(chunk);
        return;
      }
      if (chunk[i] !== Byte.OpenBracket) {
        mode = 'whole';
        whole.push(chunk);
        return;
      }
      mode = 'array';
      whole.length = 0;
      scanArray(chunk, i + 1);
    } else if (mode === 'array') scanArray(chunk, 0);
    else if (mode === 'after') scanAfter(chunk, 0);
    else if (mode === 'whole') whole.push(chunk);
  };

  const finish = (): unknown => {
    if (mode === 'array' || mode === 'invalid') throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
    if (mode === 'after') {
      if (elements > items.length) Object.defineProperty(items, ELEMENTS, { value: elements });
      return items;
    }
    if (received === 0) throw new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY();
    try {
      return secureJson.parse(Buffer.concat(whole).toString('utf8'), undefined, PARSE_OPTIONS);
    } catch {
      throw new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY();
    }
  };

  readStreamedBody(payload, contentLength, limits.maxBytes, onChunk, finish, done);
}
