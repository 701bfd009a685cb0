/**
 * bench/append: append throughput of Rapport's PostgreSQL event store against raw PostgreSQL (node `pg` writing the
 * same rows: single-row transactions, batched INSERT, COPY) and against Emmett's event store, on the same server and
 * database in the same run, then HTTP ingest under load with autocannon, as ratios to the raw figures.
 * Run on demand: `npm run bench:append`. Options: --quick (shorter runs), --skip-http, --http-only (the HTTP routes
 * beside raw PostgreSQL, without the store runs), --chain-only (only what the hash
 * chain costs, in more alternated rounds), --chain-rounds N (rounds of that comparison: this VM's noise is ±5 points).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';
import { encodeEvent, newAccountEvent } from '@rapport/domain';
import { ChainScheme, NewEvent, PostgresEventStore, SHA256_JCS_CHAIN, UNCHAINED } from '@rapport/event-store';
import { SERVICE_AUTH, startService } from '../../test/support/service-process';
import { BenchServer, benchServer } from '../support/bench-database';
import { recordFigures } from '../support/bench-figures';
import { measuringCpu } from '../support/process-cpu';
import { RawWrite, rawWriter } from './raw-postgres';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'skip-http': { type: 'boolean', default: false },
    'http-only': { type: 'boolean', default: false },
    'chain-only': { type: 'boolean', default: false },
    'chain-rounds': { type: 'string' },
  },
});
const SECONDS = args.quick ? 3 : 10;

/** A realistic InteractionLogged as ingest stores it (through the codec): envelope metadata plus data, ~400 bytes of JSON. */
function interaction(accountId: string, n: number): NewEvent {
  return encodeEvent(
    newAccountEvent({
      type: 'InteractionLogged',
      accountId,
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, n % 1440)).toISOString(),
      source: { system: 'bench', eventId: randomUUID() },
      actor: 'am@vendor.example',
      data: {
        interactionId: `i-${n}`,
        channel: 'meeting',
        direction: 'outbound',
        sentiment: 0.35,
        durationMinutes: 45,
        contactCount: 3,
        executiveInvolved: false,
        summary: 'Quarterly review of adoption and renewal plans',
      },
    }),
  );
}

interface Appender {
  name: string;
  /** Appends `count` events to `stream`, whose current version the caller tracks (-1: new stream). */
  append(stream: string, version: number, count: number): Promise<void>;
  close(): Promise<void>;
}

async function rapportAppender(url: string, chain: ChainScheme = SHA256_JCS_CHAIN): Promise<Appender> {
  const pool = new Pool({ connectionString: url, max: 20 });
  const store = new PostgresEventStore(pool, { chain });
  await store.migrate();
  let n = 0;
  return {
    name: chain === UNCHAINED ? 'Rapport without the hash chain' : 'Rapport',
    async append(stream, version, count) {
      const events = Array.from({ length: count }, () => interaction(stream, n++));
      await store.append([{ streamId: stream, expectedVersion: version < 0 ? 'no_stream' : version, events }]);
    },
    async close() {
      await store.close();
      await pool.end();
    },
  };
}

async function emmettAppender(url: string): Promise<Appender> {
  const store = getPostgreSQLEventStore(url, { schema: { autoMigration: 'CreateOrUpdate' }, connectionOptions: undefined });
  await store.schema.migrate();
  let n = 0;
  return {
    name: 'Emmett',
    async append(stream, version, count) {
      const events = Array.from({ length: count }, () => {
        const e = interaction(stream, n++);
        return { type: e.type, data: e.data as Record<string, unknown>, metadata: { ...e.metadata, eventId: e.eventId } };
      });
      // Emmett's versions count from 1 (0n: no stream yet).
      await store.appendToStream(stream, events, { expectedStreamVersion: BigInt(version + 1) });
    },
    close: () => store.close(),
  };
}

async function rawAppender(url: string, how: RawWrite): Promise<Appender> {
  const writer = await rawWriter(url, how);
  let n = 0;
  return {
    name: `raw PostgreSQL (${how})`,
    append: (stream, version, count) =>
      writer.write(
        stream,
        version + 1,
        Array.from({ length: count }, () => interaction(stream, n++)),
      ),
    close: () => writer.close(),
  };
}

interface Scenario {
  name: string;
  concurrency: number;
  eventsPerAppend: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'single event, concurrency 1', concurrency: 1, eventsPerAppend: 1 },
  { name: 'single event, concurrency 16', concurrency: 16, eventsPerAppend: 1 },
  { name: 'batch of 100, concurrency 1', concurrency: 1, eventsPerAppend: 100 },
  { name: 'batch of 1,000, concurrency 1', concurrency: 1, eventsPerAppend: 1000 },
  { name: 'batch of 1,000, concurrency 4 (import)', concurrency: 4, eventsPerAppend: 1000 },
];

/** What runs before each measured run. */
type Settle = () => Promise<void>;

/**
 * Starts each measured run on a server that has written out what the runs before it left dirty: a CHECKPOINT first.
 * Without it, a run paid for its predecessors' writes (the server checkpointing back to back under the later runs, full
 * page images in the WAL after each checkpoint), and every figure leaned on its place in the sequence.
 */
async function checkpointer(url: string): Promise<{ settle: Settle; close: () => Promise<void> }> {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    await pool.query('CHECKPOINT');
  } catch (error) {
    // CHECKPOINT needs a superuser or pg_checkpoint: without it the runs follow each other as they come.
    console.log(`(no CHECKPOINT between runs: ${(error as Error).message})`);
    await pool.end();
    return { settle: async () => undefined, close: async () => undefined };
  }
  return { settle: async () => void (await pool.query('CHECKPOINT')), close: () => pool.end() };
}

/** Each worker appends to its own stream (one account) with its expected version, as ingest does, for SECONDS. */
async function run(appender: Appender, scenario: Scenario, settle: Settle): Promise<number> {
  await settle();
  const deadline = Date.now() + SECONDS * 1000;
  let events = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: scenario.concurrency }, async () => {
      const stream = `account-bench-${randomUUID()}`;
      let version = -1;
      while (Date.now() < deadline) {
        await appender.append(stream, version, scenario.eventsPerAppend);
        version += scenario.eventsPerAppend;
        events += scenario.eventsPerAppend;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return events / seconds;
}

interface HttpRow {
  route: string;
  connections: number;
  perRequest: number;
  /** Means over HTTP_ROUNDS: the route's events/s, and raw PostgreSQL's beside it (same load shape, same database). */
  eventsPerSecond: number;
  raw: number;
  /** Mean p50, and the worst p99, of the rounds. */
  p50: number;
  p99: number;
  errors: number;
  /** The ingest service's CPU an event over the route's rounds, in µs (undefined without /proc). */
  cpuPerEvent?: number;
}

/** Rounds of each route, alternated with its raw baseline (ABBA): the VM's phases move both alike. */
const HTTP_ROUNDS = 2;

/**
 * The HTTP routes under autocannon against the built ingest service, each beside raw PostgreSQL on the same database
 * with the same shape of load (16 single-row transactions at a time; 4 INSERTs of 1,000 at a time), alternated, a
 * CHECKPOINT before each run.
 */
async function httpIngest(databaseUrl: string): Promise<HttpRow[]> {
  const ingest = await startService('ingest', { DATABASE_URL: databaseUrl, RAPPORT_RATE_LIMIT: '0' });
  const base = ingest.base;
  const { settle, close } = await checkpointer(databaseUrl);
  const raw = { insert: await rawAppender(databaseUrl, 'insert'), batched: await rawAppender(databaseUrl, 'batched insert') };
  try {
    const ACCOUNTS = 1000;
    const envelope = (type: string, accountId: string, data: object) => ({
      type,
      accountId,
      occurredAt: '2026-03-02T10:00:00Z',
      source: { system: 'bench', eventId: randomUUID() },
      data,
    });
    const opening = Array.from({ length: ACCOUNTS }, (_, i) =>
      envelope('AccountOpened', `http-${i}`, { name: `Account ${i}`, segment: 'enterprise' }),
    );
    const opened = await fetch(`${base}/v1/events/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...SERVICE_AUTH },
      body: JSON.stringify(opening),
    });
    if (opened.status !== 201) throw new Error(`could not open the bench accounts: ${opened.status} ${await opened.text()}`);
    const interactionData = {
      interactionId: 'i',
      channel: 'call',
      direction: 'outbound',
      sentiment: 0.2,
      summary: 'Follow-up call about onboarding',
    };
    const randomAccount = () => `http-${Math.floor(Math.random() * ACCOUNTS)}`;
    const routeRun = async (route: string, connections: number, perRequest: number) => {
      await settle();
      const { result, cpuSeconds } = await measuringCpu(ingest.child.pid, () =>
        autocannon({
          url: `${base}${route}`,
          method: 'POST',
          connections,
          duration: SECONDS,
          headers: { 'content-type': 'application/json', ...SERVICE_AUTH },
          requests: [
            {
              setupRequest: (request) => {
                const body =
                  perRequest === 1
                    ? envelope('InteractionLogged', randomAccount(), interactionData)
                    : Array.from({ length: perRequest }, () => envelope('InteractionLogged', randomAccount(), interactionData));
                return { ...request, body: JSON.stringify(body) };
              },
            },
          ],
        }),
      );
      return {
        cpuPerEvent: cpuSeconds === undefined ? undefined : (cpuSeconds * 1e6) / (result['2xx'] * perRequest),
        eventsPerSecond: (result['2xx'] * perRequest) / (result.duration || SECONDS),
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.non2xx + result.errors,
      };
    };

    const rows: HttpRow[] = [];
    for (const [route, connections, perRequest, baseline] of [
      ['/v1/events', 16, 1, raw.insert],
      ['/v1/events/batch', 4, 1000, raw.batched],
    ] as const) {
      const scenario: Scenario = { name: route, concurrency: connections, eventsPerAppend: perRequest };
      const routeRuns: Array<Awaited<ReturnType<typeof routeRun>>> = [];
      const rawRuns: number[] = [];
      for (let round = 0; round < HTTP_ROUNDS; round++) {
        const order = round % 2 === 0 ? (['raw', 'route'] as const) : (['route', 'raw'] as const);
        for (const which of order) {
          if (which === 'raw') rawRuns.push(await run(baseline, scenario, settle));
          else routeRuns.push(await routeRun(route, connections, perRequest));
        }
      }
      const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
      rows.push({
        route,
        connections,
        perRequest,
        eventsPerSecond: mean(routeRuns.map((r) => r.eventsPerSecond)),
        raw: mean(rawRuns),
        p50: mean(routeRuns.map((r) => r.p50)),
        p99: Math.max(...routeRuns.map((r) => r.p99)),
        errors: routeRuns.reduce((n, r) => n + r.errors, 0),
        cpuPerEvent: routeRuns.every((r) => r.cpuPerEvent !== undefined) ? mean(routeRuns.map((r) => r.cpuPerEvent!)) : undefined,
      });
    }
    return rows;
  } finally {
    await raw.insert.close();
    await raw.batched.close();
    await close();
    await ingest.stop();
  }
}

interface StoreRow {
  scenario: Scenario;
  rapport: number;
  emmett: number;
  /** Raw PostgreSQL: single-row INSERTs for single events; batched INSERT for batches. */
  rawInsert: number;
  /** Raw COPY, for batches. */
  rawCopy?: number;
  /** The same store with the same rows but no hash chain, alternated with the chained one: what the chain costs. */
  chain: { chained: number; unchained: number };
}

async function main(): Promise<void> {
  const server = await benchServer();
  console.log(`bench/append: ${SECONDS} s per run; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`);
  if (args['http-only']) {
    try {
      console.log(`database: ${server.description}`);
      await printHttpRoutes(server);
    } finally {
      await server.stop();
    }
    return;
  }
  const url = await server.newDatabase('rapport_bench_append');
  const { settle, close: closeCheckpointer } = await checkpointer(url);
  try {
    const rapport = await rapportAppender(url);
    const unchained = await rapportAppender(url, UNCHAINED);
    const emmett = await emmettAppender(url);
    const raw = {
      insert: await rawAppender(url, 'insert'),
      batched: await rawAppender(url, 'batched insert'),
      copy: await rawAppender(url, 'copy'),
    };
    console.log(`database: ${server.description}\n`);
    if (args['chain-only']) {
      console.log(CHAIN_HEADER);
      for (const scenario of SCENARIOS) {
        console.log(chainLine({ scenario, chain: await chainCost(rapport, unchained, scenario, settle) }));
      }
      for (const appender of [rapport, unchained, emmett, raw.insert, raw.batched, raw.copy]) await appender.close();
      return;
    }
    const rows: StoreRow[] = [];
    for (const scenario of SCENARIOS) {
      const batch = scenario.eventsPerAppend > 1;
      const against = await againstRaw(rapport, batch ? raw.batched : raw.insert, batch ? raw.copy : undefined, scenario, settle);
      const row: StoreRow = {
        scenario,
        ...against,
        emmett: await run(emmett, scenario, settle),
        chain: await chainCost(rapport, unchained, scenario, settle),
      };
      rows.push(row);
      console.log(storeLine(row));
    }
    for (const appender of [rapport, unchained, emmett, raw.insert, raw.batched, raw.copy]) await appender.close();
    console.log(
      `\n(Rapport and raw PostgreSQL: means of ${STORE_ROUNDS} alternated rounds; Emmett: one run)` +
        '\n| run | raw PostgreSQL events/s | raw COPY events/s | Rapport events/s | Rapport ÷ raw | Rapport ÷ raw COPY | Emmett events/s | Emmett ÷ raw | Rapport ÷ Emmett |' +
        '\n|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
    for (const row of rows) console.log(storeLine(row));
    console.log(`\n${CHAIN_HEADER}`);
    for (const row of rows) console.log(chainLine(row));
    const largeBatches = rows.find((r) => r.scenario.concurrency === 4 && r.scenario.eventsPerAppend === 1000)!;
    recordFigures('append', 'store', { largeBatches: largeBatches.rapport, largeBatchesRawCopy: largeBatches.rawCopy! });

    if (!args['skip-http']) {
      await printHttpRoutes(server, {
        singles: rows.find((r) => r.scenario.concurrency === 16 && r.scenario.eventsPerAppend === 1)!.rawInsert,
        batches: rows.find((r) => r.scenario.concurrency === 4 && r.scenario.eventsPerAppend === 1000)!.rawInsert,
      });
    }
  } finally {
    await closeCheckpointer();
    await server.stop();
  }
}

/**
 * The HTTP routes, on a database of their own, each beside raw PostgreSQL on it: after the store runs (~6.5 million
 * rows, ~5 GB) the server's state and this VM's phase are not those the store's raw runs saw minutes before (docs/benchmarks.md,
 * 2026-12-02 and 2026-12-03). `earlier`: the store runs' raw figures, shown beside.
 */
async function printHttpRoutes(server: BenchServer, earlier?: { singles: number; batches: number }): Promise<void> {
  const http = await httpIngest(await server.newDatabase('rapport_bench_append_http'));
  console.log(
    `\n| HTTP route (${HTTP_ROUNDS} rounds alternated with raw PostgreSQL) | connections | events a request | events/s | ` +
      'raw PostgreSQL beside it, events/s | ÷ raw beside it | ÷ raw of the store runs | p50 ms | worst p99 ms | non-2xx/errors | ingest service CPU, µs an event |' +
      '\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const r of http) {
    const before = earlier && (r.perRequest === 1 ? earlier.singles : earlier.batches);
    console.log(
      `| POST ${r.route} | ${r.connections} | ${fmt(r.perRequest)} | ${fmt(r.eventsPerSecond)} | ${fmt(r.raw)} | ` +
        `${ratio(r.eventsPerSecond, r.raw)} | ${before ? ratio(r.eventsPerSecond, before) : ''} | ${r.p50.toFixed(1)} | ${r.p99} | ${r.errors} | ` +
        `${r.cpuPerEvent === undefined ? '' : r.cpuPerEvent.toFixed(r.cpuPerEvent < 100 ? 1 : 0)} |`,
    );
  }
  const [singles, batches] = [http.find((r) => r.perRequest === 1)!, http.find((r) => r.perRequest > 1)!];
  recordFigures('append', 'http', {
    singleEvents: singles.eventsPerSecond,
    singleEventsRaw: singles.raw,
    batches: batches.eventsPerSecond,
    batchesRaw: batches.raw,
  });
  console.log(
    '\n(raw PostgreSQL beside them: single-row transactions at 16 clients, INSERTs of 1,000 rows at 4 clients' +
      (earlier ? `; in the store runs: ${fmt(earlier.singles)} and ${fmt(earlier.batches)} events/s)` : ')'),
  );
}

/** Rounds of the store against its raw baselines, alternated (ABBA): the VM's phases move all of them alike. */
const STORE_ROUNDS = 2;

/**
 * Rapport's store and raw PostgreSQL (the INSERTs, and COPY for batches) in alternated rounds, the mean of each. One
 * run of each in a row let the VM's phase set the ratio: in run 20 the store made 34,495 events/s in its run beside
 * raw COPY and 40,876–41,989 in the chain's rounds of the same scenario minutes later (docs/benchmarks.md, run 20).
 */
async function againstRaw(
  rapport: Appender,
  insert: Appender,
  copy: Appender | undefined,
  scenario: Scenario,
  settle: Settle,
): Promise<Pick<StoreRow, 'rapport' | 'rawInsert' | 'rawCopy'>> {
  type Which = 'rawInsert' | 'rawCopy' | 'rapport';
  const runs: Record<Which, number[]> = { rawInsert: [], rawCopy: [], rapport: [] };
  const appenders: Array<[Which, Appender]> = [
    ['rawInsert', insert],
    ...(copy ? [['rawCopy', copy] as [Which, Appender]] : []),
    ['rapport', rapport],
  ];
  for (let round = 0; round < STORE_ROUNDS; round++) {
    for (const [which, appender] of round % 2 === 0 ? appenders : [...appenders].reverse())
      runs[which].push(await run(appender, scenario, settle));
  }
  // Each round's figures, for the spread the means hide.
  console.log(
    `(${scenario.name}, each round: ` +
      appenders.map(([which, appender]) => `${appender.name} ${runs[which].map(fmt).join(' / ')}`).join('; ') +
      ')',
  );
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  return { rapport: mean(runs.rapport), rawInsert: mean(runs.rawInsert), rawCopy: copy ? mean(runs.rawCopy) : undefined };
}

const CHAIN_ROUNDS = Number(args['chain-rounds'] ?? (args['chain-only'] ? 4 : 2));
if (!Number.isInteger(CHAIN_ROUNDS) || CHAIN_ROUNDS < 1)
  throw new Error(`--chain-rounds must be a whole number ≥ 1, not ${args['chain-rounds']}`);

/**
 * The chained store against the same store without the chain, alternated so that both see the same load on this
 * shared machine; the mean of each. The chain's cost is 1 − chained ÷ unchained.
 */
async function chainCost(chained: Appender, unchained: Appender, scenario: Scenario, settle: Settle): Promise<StoreRow['chain']> {
  const figures = { chained: 0, unchained: 0 };
  // In ABBA order: the log grows through the run, and whichever went second each time would pay for it.
  for (let round = 0; round < CHAIN_ROUNDS; round++) {
    const order = round % 2 === 0 ? (['unchained', 'chained'] as const) : (['chained', 'unchained'] as const);
    for (const which of order) figures[which] += (await run(which === 'chained' ? chained : unchained, scenario, settle)) / CHAIN_ROUNDS;
  }
  return figures;
}

const CHAIN_HEADER =
  `| run (the hash chain's cost, ${CHAIN_ROUNDS} alternated rounds each) | Rapport events/s | without the chain events/s | cost |` +
  '\n|---|---:|---:|---:|';

function chainLine(row: Pick<StoreRow, 'scenario' | 'chain'>): string {
  const cost = 1 - row.chain.chained / row.chain.unchained;
  return `| ${row.scenario.name} | ${fmt(row.chain.chained)} | ${fmt(row.chain.unchained)} | ${(cost * 100).toFixed(1)} % |`;
}

function storeLine(row: StoreRow): string {
  return (
    `| ${row.scenario.name} | ${fmt(row.rawInsert)} | ${row.rawCopy === undefined ? '' : fmt(row.rawCopy)} | ${fmt(row.rapport)} | ` +
    `${ratio(row.rapport, row.rawInsert)} | ${row.rawCopy === undefined ? '' : ratio(row.rapport, row.rawCopy)} | ${fmt(row.emmett)} | ` +
    `${ratio(row.emmett, row.rawInsert)} | ${ratio(row.rapport, row.emmett)} |`
  );
}

function ratio(ours: number, baseline: number): string {
  return `${(ours / baseline).toFixed(2)}×`;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
