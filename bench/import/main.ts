/**
 * bench/import: `rapport import` of a generated NDJSON file (default 1,000,000 envelopes over 1,000 accounts) into the
 * ingest service (its own process, with validation, as deployed), timed end to end with the CLI's own batches, with the
 * CPU an event of the CLI, the ingest service and PostgreSQL, and the bound their sum sets on this machine; beside it,
 * before and after, raw PostgreSQL's COPY of the same file on the same server, the figure the import is a ratio to.
 * Run on demand: `npm run bench:import`. Options: --events N, --accounts N, --batch-size N, --concurrency N (the CLI's
 * lanes; its default unless given).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { profileFlags, SERVICE_ADMIN_KEY, startService } from '../../test/support/service-process';
import { Pool } from 'pg';
import { DEFAULT_IMPORT_LANES, linesOf } from '../../apps/cli/src/import.command';
import { CopyTextBuffer } from '@rapport/postgres';
import { copyRawText, RAW_LINE_BYTES, RAW_TABLE_SQL, rawCopyLine } from '../append/raw-postgres';
import { CpuBudget, endedChildren, localPostgres, processTree, thisProcess } from '../support/process-cpu';
import { benchServer } from '../support/bench-database';
import { recordFigures } from '../support/bench-figures';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '1000' },
    // The CLI's own default, as a user runs it.
    concurrency: { type: 'string', default: String(DEFAULT_IMPORT_LANES) },
  },
});
const EVENTS = Number(args.events);
const ACCOUNTS = Number(args.accounts);

/** Each account opened first, then interactions round-robin over the accounts. */
async function writeFile(path: string): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < EVENTS; i++) {
    const account = `imp-${i % ACCOUNTS}`;
    const line =
      i < ACCOUNTS
        ? { type: 'AccountOpened', data: { name: `Account ${i}`, segment: 'enterprise' } }
        : {
            type: 'InteractionLogged',
            data: { interactionId: `i-${i}`, channel: 'meeting', direction: 'outbound', sentiment: 0.35, summary: 'Quarterly review' },
          };
    const envelope = { ...line, accountId: account, occurredAt: '2026-03-02T10:00:00Z', source: { system: 'bench', eventId: `e-${i}` } };
    if (!out.write(`${JSON.stringify(envelope)}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** Raw PostgreSQL's COPYs in flight at once: bench:append's raw COPY, the shape of the raw batched baseline. */
const RAW_COPY_CLIENTS = 4;

/**
 * Raw PostgreSQL's COPY of `file` into an emptied `raw_events` (bench:append's baseline table): node `pg` reading the
 * lines, each account's events numbered in file order, `--batch-size` lines a COPY, four in flight. No validation, no
 * derived ids (random ones), no lock, no hash: what PostgreSQL and its client do with these rows and nothing else.
 */
async function rawCopyOf(file: string, url: string): Promise<{ seconds: number; cpu: CpuBudget }> {
  const batchSize = Number(args['batch-size']);
  return withPool(url, async (pool) => {
    await pool.query(RAW_TABLE_SQL);
    await pool.query('TRUNCATE raw_events');
    await pool.query('CHECKPOINT').catch(() => undefined);
    const cpu = new CpuBudget([thisProcess('raw COPY client'), await localPostgres(url)]);
    const versions = new Map<string, number>();
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    const newBatch = () => new CopyTextBuffer(batchSize * RAW_LINE_BYTES);
    let batch = newBatch();
    let rows = 0;
    const flush = async () => {
      if (inFlight.size >= RAW_COPY_CLIENTS) await Promise.race(inFlight);
      if (failure) throw failure;
      const copy: Promise<void> = copyRawText(pool, batch.result())
        .catch((error: unknown) => void (failure ??= error instanceof Error ? error : new Error(String(error))))
        .finally(() => inFlight.delete(copy));
      inFlight.add(copy);
      batch = newBatch();
      rows = 0;
    };
    cpu.start();
    const started = process.hrtime.bigint();
    for await (const lines of linesOf(createReadStream(file))) {
      for (const { line } of lines) {
        const e = JSON.parse(line.toString('utf8')) as {
          type: string;
          accountId: string;
          occurredAt: string;
          source: unknown;
          data: unknown;
        };
        const version = versions.get(e.accountId) ?? 0;
        versions.set(e.accountId, version + 1);
        const metadata = { accountId: e.accountId, occurredAt: e.occurredAt, source: e.source };
        rawCopyLine(batch, randomUUID(), e.accountId, version, e.type, e.data, metadata);
        if (++rows >= batchSize) await flush();
      }
    }
    if (rows > 0) await flush();
    await Promise.all(inFlight);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    cpu.stop();
    if (failure) throw failure;
    // Emptied at once: the import's run starts on a server without these rows.
    await pool.query('TRUNCATE raw_events');
    return { seconds, cpu };
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-import-'));
  const file = join(dir, 'events.ndjson');
  const server = await benchServer();
  console.log(`bench/import: ${count(EVENTS)} envelopes, ${count(ACCOUNTS)} accounts; ${cpus().length} × ${cpus()[0].model}`);
  try {
    await writeFile(file);
    const url = await server.newDatabase('rapport_bench_import');
    const rawBefore = await rawCopyOf(file, url);
    const imported = await importOf(file, url);
    const rawAfter = await rawCopyOf(file, url);
    const rate = (seconds: number) => EVENTS / seconds;
    const raw = (rate(rawBefore.seconds) + rate(rawAfter.seconds)) / 2;
    const ingestCpu = imported.cpu.perEvent(EVENTS).get('ingest');
    console.log(`database: ${server.description}`);
    console.log(
      '\n| envelopes | batch size | concurrency | seconds | events/s | raw COPY beside it (before / after), events/s | ÷ raw COPY | ingest service CPU, µs an event |' +
        '\n|---:|---:|---:|---:|---:|---:|---:|---:|' +
        `\n| ${count(EVENTS)} | ${args['batch-size']} | ${args.concurrency} | ${imported.seconds.toFixed(1)} | ${count(rate(imported.seconds))} | ` +
        `${count(raw)} (${count(rate(rawBefore.seconds))} / ${count(rate(rawAfter.seconds))}) | ${(rate(imported.seconds) / raw).toFixed(2)}× | ` +
        `${ingestCpu === undefined ? '' : ingestCpu.toFixed(1)} |`,
    );
    recordFigures('import', 'import', { events: EVENTS, eventsPerSecond: rate(imported.seconds), rawCopy: raw });
    console.log(`\nThe import: ${imported.cpu.report(EVENTS)}`);
    console.log(`Raw COPY, before: ${rawBefore.cpu.report(EVENTS)}`);
    console.log(`Raw COPY, after: ${rawAfter.cpu.report(EVENTS)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `rapport import` of `file` into an ingest service of its own on `url`, after a CHECKPOINT. */
async function importOf(file: string, url: string): Promise<{ seconds: number; cpu: CpuBudget }> {
  await withPool(url, (pool) => pool.query('CHECKPOINT').catch(() => undefined));
  const ingest = await startService('ingest', { DATABASE_URL: url, RAPPORT_RATE_LIMIT: '0' });
  try {
    // The CLI's CPU is known once it has ended: Linux adds it to this process's children's times.
    const cpu = new CpuBudget([endedChildren('rapport import'), processTree('ingest', ingest.child.pid!), await localPostgres(url)]);
    cpu.start();
    const started = process.hrtime.bigint();
    const code = await new Promise<number | null>((done) => {
      const child = spawn(
        process.execPath,
        [
          ...profileFlags('cli'),
          'dist/apps/cli/src/main.js',
          'import',
          file,
          '--batch-size',
          args['batch-size'],
          '--concurrency',
          args.concurrency,
        ],
        {
          cwd: resolve(__dirname, '..', '..'),
          env: { ...process.env, RAPPORT_URL: ingest.base, RAPPORT_KEY: SERVICE_ADMIN_KEY },
          stdio: ['ignore', 'ignore', 'inherit'],
        },
      );
      child.on('close', done);
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    cpu.stop();
    if (code !== 0) throw new Error(`rapport import exited with ${code}`);
    return { seconds, cpu };
  } finally {
    await ingest.stop();
  }
}

async function withPool<T>(url: string, work: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = new Pool({ connectionString: url, max: RAW_COPY_CLIENTS });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
