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
      8,
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
  /** The envelope as JSON text: its line as read, or an export line's envelope serialised. */
  text: string;
  line: number;
  /** Bytes of the file before this line. */
  offset: number;
}

/** How often an import's progress is written while it runs (see `keep`). */
const KEEP_PROGRESS_EVERY_MS = 1_000;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The input's lines, as many at a time as each chunk completes, each with its length in bytes, its end of line
 * included (`\n`, or `\r\n`, whose `\r` is not part of the text). Lines are cut at the newline byte, which UTF-8 never
 * uses inside a character. Read a chunk at a time rather than through readline's line iterator: with that, and each
 * batch serialised again, the CLI spent 12–13 µs of CPU an event; 10–11 now (docs/benchmarks.md, "The import's other process").
 */
export async function* linesOf(input: AsyncIterable<Buffer>): AsyncGenerator<Array<{ text: string; bytes: number }>> {
  let rest: Buffer | undefined;
  const textOf = (buffer: Buffer, start: number, end: number) =>
    buffer.toString('utf8', start, end > start && buffer[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
  for await (const chunk of input) {
    const buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    const lines: Array<{ text: string; bytes: number }> = [];
    let start = 0;
    for (let end = buffer.indexOf(NEWLINE); end !== -1; end = buffer.indexOf(NEWLINE, start)) {
      lines.push({ text: textOf(buffer, start, end), bytes: end + 1 - start });
      start = end + 1;
    }
    rest = start < buffer.length ? buffer.subarray(start) : undefined;
    if (lines.length > 0) yield lines;
  }
  if (rest) yield [{ text: textOf(rest, 0, rest.length), bytes: rest.length }];
}

/** Envelopes of the same account keep to one lane, so that they reach the API in file order. */
function laneOf(envelope: unknown, lanes: number): number {
  const accountId = (envelope as { accountId?: unknown }).accountId;
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
  const input = fromStdin ? process.stdin : createReadStream(file, { start: state.bytes });
  const progress = new Progress(size, state.bytes, out);
  const started = Date.now();
  let appended = 0;
  let duplicates = 0;
  let line = state.lines;
  let bytes = state.bytes;
  const lanes = Array.from({ length: options.concurrency }, () => ({
    filling: [] as Item[],
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

  const send = async (lane: (typeof lanes)[number]) => {
    const batch = lane.sending;
    const lines = batch.map((b) => b.line);
    // The lines as NDJSON, as they were read: not serialised again.
    const body = new TextBody('application/x-ndjson', batch.map((b) => b.text).join('\n'));
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
    lane.inFlight = send(lane).catch((error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
    });
  };

  try {
    reading: for await (const read of linesOf(input as AsyncIterable<Buffer>)) {
      for (const { text, bytes: length } of read) {
        const offset = bytes;
        line += 1;
        bytes += length;
        if (failure) break reading;
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
        const lane = lanes[laneOf(envelope, lanes.length)];
        lane.filling.push({ text: envelope === parsed ? text : JSON.stringify(envelope), line, offset });
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
