import { createReadStream, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ApiClient, ApiError, describeProblem, TextBody } from './api-client';
import { Output } from './keys.command';

/** Where an interrupted import of a file resumes: the lines and bytes the API has acknowledged. */
interface ImportState {
  file: string;
  size: number;
  lines: number;
  bytes: number;
}

export class InputError extends Error {}

/**
 * An export line (`GET /v1/export`: a stored event with its hash) as the envelope it was received as; an envelope as
 * itself. The event id derives from the source, so an imported export keeps its ids, and retractions their targets.
 */
export function envelopeOf(line: Record<string, unknown>): Record<string, unknown> {
  if (typeof line.hash !== 'string' || typeof line.globalPosition !== 'number') return line;
  const metadata = line.metadata as Record<string, unknown>;
  return {
    type: line.type,
    accountId: metadata.accountId,
    occurredAt: metadata.occurredAt,
    source: metadata.source,
    ...(metadata.actor !== undefined ? { actor: metadata.actor } : {}),
    data: line.data,
  };
}

/**
 * Batches in flight by default, one a lane. The ingest service's thread paces an import, and it waits whenever every
 * batch in flight is at PostgreSQL (its COPY, then its commit in turn): with sixteen lanes it waits less. A million
 * events on this machine: 16 lanes faster than 8 in five alternated pairs of five (by 4–17 %, at the same CPU an
 * event); 32 no steadier (one pair faster, one a fifth slower, at more CPU an event).
 */
export const DEFAULT_IMPORT_LANES = 16;

/** `rapport import <file|->`: envelopes or an export, streamed to POST /v1/events/batch in batches. */
export function importCommand(client: () => ApiClient, output: () => Output): Command {
  return new Command('import')
    .description('import NDJSON (envelopes, or an export): in batches, resumable; a second run appends nothing')
    .argument('<file>', 'an NDJSON file, or - for standard input')
    .option('--batch-size <n>', 'envelopes per request (at most 10000)', (v) => parseLimited(v, 10_000, '--batch-size'), 1_000)
    .option(
      '--concurrency <n>',
      "batches in flight at once (at most 16); an account's envelopes stay in one lane, in file order",
      (v) => parseLimited(v, 16, '--concurrency'),
      DEFAULT_IMPORT_LANES,
    )
    .option('--restart', 'ignore the progress kept from an interrupted run of this file', false)
    .action(async (file: string, options: { batchSize: number; concurrency: number; restart: boolean }) => {
      const out = output();
      const summary = await importFile(client(), file, options, out);
      out.print(
        out.json
          ? JSON.stringify(summary)
          : `imported ${summary.lines} lines: ${summary.appended} appended, ${summary.duplicates} already stored` +
              (summary.resumedAt > 0 ? ` (resumed after line ${summary.resumedAt})` : '') +
              `, ${Math.round(summary.eventsPerSecond)} events/s`,
      );
    });
}

function parseLimited(value: string, max: number, option: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InputError(`${option} must be an integer from 1 to ${max}, not ${value}`);
  return n;
}

/** An envelope waiting to be acknowledged, with where its line starts (to resume from). */
interface Item {
  line: number;
  /** Bytes of the file before this line. */
  offset: number;
}

/** How often an import's progress is written while it runs (see `keep`). */
const KEEP_PROGRESS_EVERY_MS = 1_000;

/** The file is read a MiB at a time: at fs streams' default of 64 KiB, its reads took ~0.8 µs more of the CLI's CPU a line. */
const READ_CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** A line of the input: its bytes without the end of line, and how many bytes it took with it. */
export interface InputLine {
  line: Buffer;
  bytes: number;
}

/**
 * The input's lines, as many at a time as each chunk completes, each with its length in bytes, its end of line
 * included (`\n`, or `\r\n`, whose `\r` is not part of the line). Lines are cut at the newline byte, which UTF-8 never
 * uses inside a character, and given as bytes (views of the chunk read): most are sent as they are, never decoded.
 * Read a chunk at a time rather than through readline's line iterator: with that, and each batch serialised again,
 * the CLI spent 12–13 µs of CPU an event; 10–11 after (docs/benchmarks.md, "The import's other process").
 */
export async function* linesOf(input: AsyncIterable<Buffer>): AsyncGenerator<InputLine[]> {
  // The start of a line that a later chunk ends: only that line is copied, not the chunk that ends it.
  let rest: Buffer[] = [];
  const lineOf = (buffer: Buffer, start: number, end: number) =>
    buffer.subarray(start, end > start && buffer[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
  for await (const chunk of input) {
    const lines: InputLine[] = [];
    let start = 0;
    for (let end = chunk.indexOf(NEWLINE); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      if (rest.length > 0) {
        const joined = Buffer.concat([...rest, chunk.subarray(0, end + 1)]);
        lines.push({ line: lineOf(joined, 0, joined.length - 1), bytes: joined.length });
        rest = [];
      } else {
        lines.push({ line: lineOf(chunk, start, end), bytes: end + 1 - start });
      }
      start = end + 1;
    }
    if (start < chunk.length) rest.push(chunk.subarray(start));
    if (lines.length > 0) yield lines;
  }
  if (rest.length > 0) {
    const last = Buffer.concat(rest);
    yield [{ line: lineOf(last, 0, last.length), bytes: last.length }];
  }
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const ACCOUNT_ID_KEY = Buffer.from('"accountId"');
/** A key an export line has and an envelope has not: such a line is turned back into its envelope, parsed. */
const EXPORT_KEY = Buffer.from('"hash"');

function skipJsonSpace(line: Buffer, at: number): number {
  while (line[at] === 0x20 || line[at] === 0x09 || line[at] === CARRIAGE_RETURN) at++;
  return at;
}

/**
 * The account id of an envelope's line, read off its bytes, without parsing it: undefined where that would not give
 * what parsing gives, and the line is parsed. Without a backslash in the line no string holds a quote, so the bytes
 * `"accountId"` followed by a colon can only be a key, and the string after it is the id as written. That key is
 * taken to be the envelope's own: were another one nested before it, the envelope would hold a property the catalog
 * does not know, which the API refuses, so that all the choice changes is the lane of a batch refused anyway.
 * Parsing each line had been most of the CLI's own work an event (~2.2 µs of ~2.7 in a loop over 300,000 lines,
 * reading and batching included, against ~0.5 without): the API parses and validates every line anyway.
 */
export function accountIdOfLine(line: Buffer): string | undefined {
  if (line[skipJsonSpace(line, 0)] !== OPEN_BRACE || line.includes(BACKSLASH)) return undefined;
  if (line.includes(EXPORT_KEY)) return undefined;
  for (let key = line.indexOf(ACCOUNT_ID_KEY); key !== -1; key = line.indexOf(ACCOUNT_ID_KEY, key + 1)) {
    const colon = skipJsonSpace(line, key + ACCOUNT_ID_KEY.length);
    // Not followed by a colon, the bytes are a string value ("accountId" in a list, say).
    if (line[colon] !== COLON) continue;
    const open = skipJsonSpace(line, colon + 1);
    if (line[open] !== QUOTE) return undefined;
    const close = line.indexOf(QUOTE, open + 1);
    return close === -1 ? undefined : line.toString('utf8', open + 1, close);
  }
  return undefined;
}

/**
 * A batch's NDJSON body, written as its envelopes are read: each line's bytes copied in as they are. A copy, not
 * views of the chunks read, which a lane filling slowly (an account seldom in the file) would otherwise keep in
 * memory a chunk a line.
 */
class NdjsonBatch {
  private buffer: Buffer;
  private length = 0;

  /** `capacity`: bytes expected (the lane's previous batch's room), so that the buffer seldom grows. */
  constructor(capacity = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  get capacity(): number {
    return this.buffer.length;
  }

  add(json: Buffer | string): void {
    const bytes = typeof json === 'string' ? Buffer.byteLength(json) : json.length;
    if (this.length + bytes + 1 > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + bytes + 1));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    if (this.length > 0) this.buffer[this.length++] = NEWLINE;
    this.length += typeof json === 'string' ? this.buffer.write(json, this.length) : json.copy(this.buffer, this.length);
  }

  body(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** Envelopes of the same account keep to one lane, so that they reach the API in file order. */
function laneOf(accountId: unknown, lanes: number): number {
  if (lanes === 1 || typeof accountId !== 'string') return 0;
  let hash = 0;
  for (let i = 0; i < accountId.length; i++) hash = (Math.imul(hash, 31) + accountId.charCodeAt(i)) | 0;
  return Math.abs(hash) % lanes;
}

/**
 * Streams the file to the batch route in `concurrency` lanes (an account's envelopes all in one), a batch in flight
 * per lane. After each acknowledged batch the progress kept is the line before the oldest envelope not yet
 * acknowledged: a resumed run may send a few batches again, which the API recognises as already stored.
 */
async function importFile(
  api: ApiClient,
  file: string,
  options: { batchSize: number; concurrency: number; restart: boolean },
  out: Output,
) {
  const fromStdin = file === '-';
  const statePath = `${file}.rapport-import`;
  const size = fromStdin ? 0 : statSync(file).size;
  let state: ImportState = { file, size, lines: 0, bytes: 0 };
  if (!fromStdin && !options.restart && existsSync(statePath)) {
    const kept = JSON.parse(readFileSync(statePath, 'utf8')) as ImportState;
    if (kept.bytes <= size) state = { ...kept, size };
  }
  const resumedAt = state.lines;
  const input = fromStdin ? process.stdin : createReadStream(file, { start: state.bytes, highWaterMark: READ_CHUNK_BYTES });
  const progress = new Progress(size, state.bytes, out);
  const started = Date.now();
  let appended = 0;
  let duplicates = 0;
  let line = state.lines;
  let bytes = state.bytes;
  const lanes = Array.from({ length: options.concurrency }, () => ({
    filling: [] as Item[],
    body: new NdjsonBatch(),
    sending: [] as Item[],
    inFlight: Promise.resolve(),
  }));
  let failure: Error | undefined;

  let keptAt = 0;
  /**
   * The progress to keep: before the oldest envelope not acknowledged, else everything read. Written at most once a
   * second while batches are acknowledged, and whenever the import stops: a file rewritten after every batch held the
   * CLI's thread ~2 ms a write while PostgreSQL wrote beside it (ext4 flushes a truncated file's data as it is closed),
   * 5.4 % of its profile. Killed outright, a run resumes up to a second early, and the API recognises what it sends again.
   */
  const keep = (now: boolean) => {
    let oldest: Item | undefined;
    for (const lane of lanes) {
      const first = lane.sending[0] ?? lane.filling[0];
      if (first && (!oldest || first.line < oldest.line)) oldest = first;
    }
    state = oldest ? { file, size, lines: oldest.line - 1, bytes: oldest.offset } : { file, size, lines: line, bytes };
    if (fromStdin || (!now && Date.now() - keptAt < KEEP_PROGRESS_EVERY_MS)) return;
    keptAt = Date.now();
    writeFileSync(statePath, JSON.stringify(state));
  };

  const send = async (lane: (typeof lanes)[number], ndjson: Buffer) => {
    const batch = lane.sending;
    const lines = batch.map((b) => b.line);
    // The lines as NDJSON, as they were read: neither decoded nor serialised again.
    const body = new TextBody('application/x-ndjson', ndjson);
    const response = await api
      .send(
        'POST',
        '/v1/events/batch',
        body,
        (status, text) => describeProblem(status, text, (index) => `line ${lines[index]}: `),
        // Only the counts are used: a batch's results are ~120 bytes an event to serialise, send and parse.
        { prefer: 'return=minimal' },
      )
      .catch((error: unknown) => {
        if (error instanceof ApiError)
          error.message = `${error.message}\n(nothing of lines ${lines[0]}–${lines[lines.length - 1]} was stored)`;
        throw error;
      });
    const result = (await response.json()) as { appended: number; duplicates: number };
    appended += result.appended;
    duplicates += result.duplicates;
    lane.sending = [];
    keep(false);
    progress.update(bytes, appended + duplicates);
  };

  /** Sends the lane's filled batch once its previous one is acknowledged; the first failure stops every lane. */
  const flush = async (lane: (typeof lanes)[number]) => {
    if (lane.filling.length === 0) return;
    await lane.inFlight;
    if (failure) throw failure;
    lane.sending = lane.filling;
    lane.filling = [];
    const ndjson = lane.body.body();
    lane.body = new NdjsonBatch(lane.body.capacity);
    lane.inFlight = send(lane, ndjson).catch((error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
    });
  };

  try {
    reading: for await (const read of linesOf(input as AsyncIterable<Buffer>)) {
      for (const { line: bytesOfLine, bytes: length } of read) {
        const offset = bytes;
        line += 1;
        bytes += length;
        if (failure) break reading;
        let accountId: unknown = accountIdOfLine(bytesOfLine);
        let json: Buffer | string = bytesOfLine;
        if (accountId === undefined) {
          const text = bytesOfLine.toString('utf8');
          if (text.trim() === '') continue;
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch (error) {
            throw new InputError(`line ${line}: not JSON (${(error as Error).message}); nothing from this line on was sent`);
          }
          if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
            throw new InputError(`line ${line}: not an envelope (a JSON object); nothing from this line on was sent`);
          }
          const envelope = envelopeOf(parsed as Record<string, unknown>);
          accountId = envelope.accountId;
          if (envelope !== parsed) json = JSON.stringify(envelope);
        }
        const lane = lanes[laneOf(accountId, lanes.length)];
        lane.filling.push({ line, offset });
        lane.body.add(json);
        if (lane.filling.length >= options.batchSize) await flush(lane);
      }
    }
    if (!failure) for (const lane of lanes) await flush(lane);
  } finally {
    // Whatever stopped the import, the batches already sent are answered before the progress is final.
    await Promise.all(lanes.map((lane) => lane.inFlight));
    keep(true);
    progress.stop();
  }
  if (failure) throw failure;
  if (!fromStdin) rmSync(statePath, { force: true });
  const seconds = Math.max((Date.now() - started) / 1000, 0.001);
  return { lines: line, appended, duplicates, resumedAt, eventsPerSecond: (appended + duplicates) / seconds };
}

/** A bar with events/s and ETA on a terminal; a plain line every few seconds otherwise (logs, CI). */
class Progress {
  private readonly bar?: SingleBar;
  private readonly started = Date.now();
  private lastLine = Date.now();

  constructor(
    private readonly totalBytes: number,
    startBytes: number,
    private readonly out: Output,
  ) {
    if (process.stderr.isTTY && !out.json && totalBytes > 0) {
      this.bar = new SingleBar({
        format: 'importing [{bar}] {percentage}% | {events} events | {rate} events/s | ETA {eta_formatted}',
        stream: process.stderr,
        hideCursor: true,
      });
      this.bar.start(totalBytes, startBytes, { events: 0, rate: 0 });
    }
  }

  update(bytes: number, events: number): void {
    const rate = Math.round(events / Math.max((Date.now() - this.started) / 1000, 0.001));
    if (this.bar) return this.bar.update(bytes, { events, rate });
    if (Date.now() - this.lastLine < 2_000) return;
    this.lastLine = Date.now();
    const share = this.totalBytes > 0 ? ` (${Math.floor((bytes / this.totalBytes) * 100)}%)` : '';
    process.stderr.write(`imported ${events} events${share}, ${rate} events/s\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
