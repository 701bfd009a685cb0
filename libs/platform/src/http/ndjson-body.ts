import type { Readable } from 'node:stream';
import secureJson from 'secure-json-parse';
import { PARSE_OPTIONS } from './json-body';
import { readStreamedBody } from './streamed-body';

/** A line of an NDJSON body that is not JSON: its item index (blank lines do not count) and why. */
export interface NdjsonLineError {
  index: number;
  message: string;
}

/**
 * An NDJSON body as read: each non-blank line's value, in order (undefined where the line is not JSON; at most
 * `maxItems` + 1 of them, the lines after those being read but not parsed), and the lines that were not JSON.
 */
export class NdjsonBody {
  constructor(
    readonly items: readonly unknown[],
    readonly malformed: readonly NdjsonLineError[],
  ) {}
}

export interface NdjsonLimits {
  /** Bytes the body may hold; past them the read stops with Fastify's 413 (FST_ERR_CTP_BODY_TOO_LARGE). */
  maxBytes: number;
  /** Lines worth parsing: one more is parsed, so that a caller can tell "too many", and the rest only counted. */
  maxItems: number;
}

const NEWLINE = 0x0a;

/**
 * Reads an NDJSON request body as it arrives and parses each line once it is complete: a large batch is parsed while
 * the rest of it is still on the wire, and neither the whole body nor a list of its lines is ever held. Lines are cut
 * at the newline byte, which UTF-8 never uses inside a character, so a chunk may end anywhere. A Fastify content-type
 * parser (no `parseAs`), so it keeps Fastify's own limits: the body's size, its Content-Length.
 */
export function readNdjson(
  payload: Readable,
  contentLength: number,
  limits: NdjsonLimits,
  done: (error: Error | null, body?: NdjsonBody) => void,
): void {
  const items: unknown[] = [];
  const malformed: NdjsonLineError[] = [];
  // The start of a line that a later chunk ends.
  let pending: Buffer[] = [];

  const parseLine = (line: Buffer) => {
    if (items.length > limits.maxItems) return;
    const text = line.toString('utf8');
    if (text.trim() === '') return;
    try {
      // As an application/json batch's elements: a line with `__proto__` or `constructor.prototype` keys is refused.
      items.push(secureJson.parse(text, undefined, PARSE_OPTIONS));
    } catch (error) {
      malformed.push({ index: items.length, message: `is not valid JSON: ${(error as Error).message}` });
      items.push(undefined);
    }
  };
  const onChunk = (chunk: Buffer) => {
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      parseLine(pending.length > 0 ? Buffer.concat([...pending, chunk.subarray(start, end)]) : chunk.subarray(start, end));
      pending = [];
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  };
  const finish = () => {
    if (pending.length > 0) parseLine(Buffer.concat(pending));
    return new NdjsonBody(items, malformed);
  };
  readStreamedBody(payload, contentLength, limits.maxBytes, onChunk, finish, done);
}
