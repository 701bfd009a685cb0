/**
 * bench/ingest-restart: what a new ingest process does on a long log. A portfolio of long streams (mostly interactions
 * and usage) is written to a new database; a fresh ingest process then takes `POST /v1/events` for random accounts of
 * it, in consecutive windows from the moment it is ready (each account's first command reads what decisions need of
 * its stream), then in one more window once every account has been written to since the start (its state held).
 * Each window is printed as a ratio to that last one.
 * Run on demand: `npm run bench:ingest-restart -- --accounts N --events-per-account N --windows N --window-seconds N`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { PostgresEventStore } from '@rapport/event-store';
import { SERVICE_AUTH, startService } from '../../test/support/service-process';
import { benchServer } from '../support/bench-database';
import { generatePortfolio } from '../support/generate-portfolio';

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '1000' },
    'events-per-account': { type: 'string', default: '400' },
    windows: { type: 'string', default: '3' },
    'window-seconds': { type: 'string', default: '5' },
    connections: { type: 'string', default: '16' },
  },
});

function wholeNumber(name: keyof typeof args): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1, not ${args[name]}`);
  return value;
}

const ACCOUNTS = wholeNumber('accounts');
const PER_ACCOUNT = wholeNumber('events-per-account');
const WINDOWS = wholeNumber('windows');
const SECONDS = wholeNumber('window-seconds');
const CONNECTIONS = wholeNumber('connections');

const interaction = (accountId: string) => ({
  type: 'InteractionLogged',
  accountId,
  occurredAt: '2026-11-02T10:00:00Z',
  source: { system: 'bench-restart', eventId: randomUUID() },
  data: { interactionId: randomUUID(), channel: 'call', direction: 'outbound', sentiment: 0.2, summary: 'Follow-up call about onboarding' },
});

interface Window {
  name: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function window(base: string, name: string): Promise<Window> {
  const result = await autocannon({
    url: `${base}/v1/events`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { 'content-type': 'application/json', ...SERVICE_AUTH },
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify(interaction(`bench-${1 + Math.floor(Math.random() * ACCOUNTS)}`)),
        }),
      },
    ],
  });
  return {
    name,
    eventsPerSecond: result['2xx'] / (result.duration || SECONDS),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors,
  };
}

async function main(): Promise<void> {
  const server = await benchServer();
  const url = await server.newDatabase('rapport_bench_restart');
  const pool = new Pool({ connectionString: url, max: 4 });
  console.log(
    `bench/ingest-restart: ${ACCOUNTS.toLocaleString('en-US')} accounts × ~${PER_ACCOUNT} events, ${CONNECTIONS} connections, ` +
      `${WINDOWS} windows of ${SECONDS} s; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`,
  );
  try {
    const store = new PostgresEventStore(pool);
    await store.migrate();
    const started = performance.now();
    const events = await generatePortfolio(store, ACCOUNTS, PER_ACCOUNT);
    // As a log that has been there a while: autovacuum would have analysed it and set its visibility map.
    await pool.query('VACUUM ANALYZE rapport_events');
    console.log(`log: ${events.toLocaleString('en-US')} events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(`database: ${server.description}\n`);

    const ingest = await startService('ingest', { DATABASE_URL: url, RAPPORT_RATE_LIMIT: '0' });
    const windows: Window[] = [];
    try {
      for (let i = 0; i < WINDOWS; i++) windows.push(await window(ingest.base, `${i * SECONDS}–${(i + 1) * SECONDS} s after ready`));
      // Every account written to once since the start, in batches: from then on, each command's account is held.
      for (let first = 1; first <= ACCOUNTS; first += 1000) {
        const batch = Array.from({ length: Math.min(1000, ACCOUNTS - first + 1) }, (_, i) => interaction(`bench-${first + i}`));
        const answer = await fetch(`${ingest.base}/v1/events/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...SERVICE_AUTH },
          body: JSON.stringify(batch),
        });
        if (answer.status !== 201) throw new Error(`could not touch every account: ${answer.status} ${await answer.text()}`);
      }
      windows.push(await window(ingest.base, 'every account held'));
    } finally {
      await ingest.stop();
    }
    const held = windows[windows.length - 1].eventsPerSecond;
    console.log('| POST /v1/events | events/s | ÷ every account held | p50 ms | p99 ms | non-2xx/errors |\n|---|---:|---:|---:|---:|---:|');
    for (const w of windows) {
      const events = Math.round(w.eventsPerSecond).toLocaleString('en-US');
      console.log(`| ${w.name} | ${events} | ${(w.eventsPerSecond / held).toFixed(2)}× | ${w.p50} | ${w.p99} | ${w.errors} |`);
    }
  } finally {
    await pool.end();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
