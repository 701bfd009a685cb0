/**
 * bench/import: `rapport import` of a generated NDJSON file (default 1,000,000 envelopes over 1,000 accounts) into the
 * ingest service (its own process, with validation, as deployed), timed end to end with the CLI's own batches, with the
 * CPU an event of the CLI, the ingest service and PostgreSQL, and the bound their sum sets on this machine.
 * Run on demand: `npm run bench:import`. Options: --events N, --accounts N, --batch-size N, --concurrency N (the CLI's lanes).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { SERVICE_ADMIN_KEY, startService } from '../../test/support/service-process';
import { CpuBudget, endedChildren, localPostgres, processTree } from '../support/process-cpu';
import { benchServer } from '../support/bench-database';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    accounts: { type: 'string', default: '1000' },
    'batch-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '8' },
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

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-import-'));
  const file = join(dir, 'events.ndjson');
  const server = await benchServer();
  console.log(
    `bench/import: ${EVENTS.toLocaleString('en-US')} envelopes, ${ACCOUNTS.toLocaleString('en-US')} accounts; ${cpus().length} × ${cpus()[0].model}`,
  );
  try {
    await writeFile(file);
    const url = await server.newDatabase('rapport_bench_import');
    const ingest = await startService('ingest', { DATABASE_URL: url, RAPPORT_RATE_LIMIT: '0' });
    try {
      // The CLI's CPU is known once it has ended: Linux adds it to this process's children's times.
      const cpu = new CpuBudget([endedChildren('rapport import'), processTree('ingest', ingest.child.pid!), await localPostgres(url)]);
      cpu.start();
      const started = process.hrtime.bigint();
      const code = await new Promise<number | null>((done) => {
        const child = spawn(
          process.execPath,
          ['dist/apps/cli/src/main.js', 'import', file, '--batch-size', args['batch-size'], '--concurrency', args.concurrency],
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
      const ingestCpu = cpu.perEvent(EVENTS).get('ingest');
      console.log(`database: ${server.description}`);
      console.log(
        `\n| envelopes | batch size | concurrency | seconds | events/s | ingest service CPU, µs an event |\n|---:|---:|---:|---:|---:|---:|\n| ${EVENTS.toLocaleString('en-US')} | ${args['batch-size']} | ${args.concurrency} | ${seconds.toFixed(1)} | ${Math.round(EVENTS / seconds).toLocaleString('en-US')} | ${ingestCpu === undefined ? '' : ingestCpu.toFixed(1)} |`,
      );
      console.log(`\n${cpu.report(EVENTS)}`);
    } finally {
      await ingest.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
