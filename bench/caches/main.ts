/**
 * bench/caches: the in-process caches a write touches for every stream it appends to, alone, with many streams held:
 * ingest's `AccountStreamCache` (a stream taken out and kept again) and the store writer's `LogKnowledge` (a commit
 * learning its streams' versions). Two shapes of load: single events (`POST /v1/events`, one
 * stream a command, one a commit) and batches of 1,000 events (an import's command and commit), on accounts at random or
 * in turn (every account in the same order each cycle, as a nightly feed sends them).
 * The cost of an operation should not grow with the streams held; with a new iterator over a Map at each one it did
 * (see docs/benchmarks.md, "A Map's oldest entry, looked for from where the last search left it"). No I/O: run on demand,
 * `npm run bench:caches` (`-- --held 1000,10000,40000,90000`).
 */
import { parseArgs } from 'node:util';
import { AccountStream } from '@rapport/domain';
import { LogKnowledge } from '../../libs/event-store/src/postgres/log-knowledge';
import { AccountStreamCache } from '../../apps/ingest/src/commands/ingest-events/account-stream-cache';

const { values: args } = parseArgs({ options: { held: { type: 'string', default: '1000,10000,40000,90000' } } });
const HELD = args.held.split(',').map(Number);
const OPERATIONS = 200_000;
const BATCH = 1_000;

/** The accounts an operation touches: at random (a fixed sequence, the same every run), or in turn, each account in
 * the same order every cycle, as a feed that sends every account's usage nightly does. */
function picksOf(pattern: 'random' | 'in turn', count: number, below: number): Uint32Array {
  const out = new Uint32Array(count);
  let seed = 12_345;
  for (let i = 0; i < count; i++) {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
    out[i] = pattern === 'random' ? seed % below : i % below;
  }
  return out;
}

const PATTERNS = ['random', 'in turn'] as const;

/** Nanoseconds an operation, the best of three rounds (the first warms the JIT). */
function timed(operations: number, round: () => void): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = process.hrtime.bigint();
    round();
    best = Math.min(best, Number(process.hrtime.bigint() - started) / operations);
  }
  return best;
}

function streamOf(accountId: string): AccountStream {
  const opened = { type: 'AccountOpened', accountId, eventId: `${accountId}-0`, occurredAt: '2026-01-01T00:00:00Z', data: {} };
  return new AccountStream(accountId, [opened as never], 0);
}

/** ns a take and keep, one account a command, then 1,000 events a command (each account taken out, then kept). */
function accountStreamCache(held: number, pattern: (typeof PATTERNS)[number]): [number, number] {
  const cache = new AccountStreamCache(1_000_000);
  const streams = Array.from({ length: held }, (_, i) => streamOf(`account-${i}`));
  for (const stream of streams) cache.keep(stream);
  const picks = picksOf(pattern, OPERATIONS, held);
  const takeAndKeep = (i: number) => cache.keep(cache.take(streams[i].accountId)?.stream ?? streams[i]);
  const single = timed(OPERATIONS, () => picks.forEach(takeAndKeep));
  const batch = timed(OPERATIONS, () => {
    for (let start = 0; start < OPERATIONS; start += BATCH) {
      const taken = [...new Set(picks.subarray(start, start + BATCH))].map((i) => cache.take(streams[i].accountId)?.stream ?? streams[i]);
      for (const stream of taken) cache.keep(stream);
    }
  });
  return [single, batch];
}

/** ns a commit of one stream, then ns an event of commits of 1,000 events. */
function logKnowledge(held: number, pattern: (typeof PATTERNS)[number]): [number, number] {
  const knowledge = new LogKnowledge(100_000, () => 0);
  const ids = Array.from({ length: held }, (_, i) => `account-${i}`);
  let position = 0;
  const head = () => ({ position: ++position, hash: null, recordedAt: new Date(0) });
  knowledge.committed(head(), new Map(ids.map((id) => [id, 0])));
  const picks = picksOf(pattern, OPERATIONS, held);
  const single = timed(OPERATIONS, () => picks.forEach((i) => knowledge.committed(head(), new Map([[ids[i], position]]))));
  const commits = Array.from(
    { length: OPERATIONS / BATCH },
    (_, c) => new Map([...picks.subarray(c * BATCH, (c + 1) * BATCH)].map((i) => [ids[i], c])),
  );
  const batch = timed(OPERATIONS / BATCH, () => commits.forEach((versions) => knowledge.committed(head(), versions))) / BATCH;
  return [single, batch];
}

const ns = (value: number) => Math.round(value).toLocaleString('en-US');
console.log(`bench/caches: ${OPERATIONS.toLocaleString('en-US')} operations a round, best of 3 rounds; Node ${process.version}`);
for (const [name, measure, units] of [
  ['AccountStreamCache (ingest), ns a take and keep', accountStreamCache, 'one account a command | 1,000 events a command'],
  [
    'LogKnowledge (the store writer), ns a commit of one stream, and an event of a commit of 1,000',
    logKnowledge,
    'commits of one stream | commits of 1,000 events',
  ],
] as const) {
  const [one, many] = units.split(' | ');
  console.log(`\n${name}\n`);
  console.log(`| streams held | ${one}, at random | ${one}, in turn | ${many}, at random | ${many}, in turn |\n|---:|---:|---:|---:|---:|`);
  for (const held of HELD) {
    const [random, inTurn] = PATTERNS.map((pattern) => measure(held, pattern));
    console.log(`| ${held.toLocaleString('en-US')} | ${ns(random[0])} | ${ns(inTurn[0])} | ${ns(random[1])} | ${ns(inTurn[1])} |`);
  }
}
