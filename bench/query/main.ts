/**
 * bench/query: latency and throughput of the query service (a separate process, as deployed) under autocannon,
 * the time of /v1/portfolio/metrics over the whole portfolio (from the read model, and with asOf from the log), and freshness: from an append's commit to the
 * projector's checkpoint covering it. Run on demand: `npm run bench:query`. Options: --accounts N (default
 * 10,000), --events-per-account N (default 40), --seconds N (default 10), --processes N (RAPPORT_QUERY_PROCESSES of
 * the query service, default 1). The load runs start once the service holds the answers it loads ahead, each after
 * 2 s of the same load, not measured.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { accountStreamId, encodeEvent, newAccountEvent } from '@rapport/domain';
import { ensureActiveReadModel } from '@rapport/read-models';
import { SERVICE_AUTH, startService } from '../../test/support/service-process';
import { recordFigures } from '../support/bench-figures';
import { measuringCpu } from '../support/process-cpu';
import { withProjectedPortfolio } from '../support/projected-portfolio';

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10000' },
    'events-per-account': { type: 'string', default: '40' },
    seconds: { type: 'string', default: '10' },
    processes: { type: 'string', default: '1' },
  },
});
const ACCOUNTS = Number(args.accounts);
const SECONDS = Number(args.seconds);
const WARM_UP_SECONDS = 2;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Waits until the query service has loaded its answers ahead (every process of it: the gauge is their sum), so
 * that the load runs measure lookups, as in a service that has been up for a while: the gauge steady for a second.
 */
async function answersLoadedAhead(base: string): Promise<void> {
  const held = async () => {
    const metrics = await fetch(`${base}/metrics`, { headers: SERVICE_AUTH }).then((r) => r.text());
    return Number(/^rapport_answer_cache_answers (\d+)$/m.exec(metrics)?.[1] ?? 0);
  };
  let last = -1;
  // At most two minutes: a service told to load none ahead stays at 0.
  for (let now = await held(), waited = 0; (now === 0 || now !== last) && waited < 120; now = await held(), waited++) {
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function main(): Promise<void> {
  await withProjectedPortfolio(
    'rapport_bench_query',
    { accounts: ACCOUNTS, eventsPerAccount: Number(args['events-per-account']) },
    (server) => {
      console.log(
        `bench/query: ${ACCOUNTS.toLocaleString('en-US')} accounts; ${SECONDS} s per load run; query processes: ${args.processes}; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`,
      );
      console.log(`database: ${server}`);
    },
    async ({ url, pool, store }) => {
      const query = await startService('query', { DATABASE_URL: url, RAPPORT_RATE_LIMIT: '0', RAPPORT_QUERY_PROCESSES: args.processes });
      const rows: string[] = [];
      const loads = new Map<string, { requestsPerSecond: number; p99: number }>();
      try {
        await answersLoadedAhead(query.base);
        for (const [name, path] of [
          ['GET /v1/accounts/{id}/health', () => `/v1/accounts/bench-${1 + Math.floor(Math.random() * ACCOUNTS)}/health`],
          ['GET /v1/portfolio/health?limit=50', () => '/v1/portfolio/health?limit=50'],
        ] as const) {
          const load = (duration: number) =>
            autocannon({
              url: query.base,
              connections: 100,
              duration,
              headers: SERVICE_AUTH,
              requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
            });
          // Not measured: the JIT's warm-up.
          await load(WARM_UP_SECONDS);
          const { result, cpuSeconds } = await measuringCpu(query.child.pid, () => load(SECONDS));
          const cpu =
            cpuSeconds === undefined
              ? '| |'
              : `| ${Math.round((cpuSeconds * 1e6) / result.requests.total)} | ${(cpuSeconds / SECONDS).toFixed(2)} |`;
          loads.set(name, { requestsPerSecond: result.requests.average, p99: result.latency.p99 });
          rows.push(
            `| ${name} | 100 | ${Math.round(result.requests.average).toLocaleString('en-US')} | ${result.latency.p50} | ${result.latency.p99} | ${result.non2xx + result.errors} ${cpu}`,
          );
        }
        /** Sequential requests to one route: median and slowest, in ms. */
        const timed = async (path: string, runs: number): Promise<{ median: number; text: string }> => {
          const timings: number[] = [];
          for (let i = 0; i < runs; i++) {
            const started = performance.now();
            const response = await fetch(`${query.base}${path}`, { headers: SERVICE_AUTH });
            if (!response.ok) throw new Error(`${path} answered ${response.status}`);
            await response.json();
            timings.push(performance.now() - started);
          }
          timings.sort((a, b) => a - b);
          const median = timings[Math.floor(runs / 2)];
          return { median, text: `median ${median.toFixed(0)} ms, slowest of ${runs} ${timings[runs - 1].toFixed(0)} ms` };
        };
        const head = await store.headPosition();
        const across = `over ${ACCOUNTS.toLocaleString('en-US')} accounts`;
        const metrics = await timed('/v1/portfolio/metrics?from=2026-01-01&to=2026-07-01', 10);
        const metricsAsOf = await timed(`/v1/portfolio/metrics?from=2026-01-01&to=2026-07-01&asOf=${head}`, 5);
        const healthAsOf = await timed(`/v1/portfolio/health?limit=50&asOf=${head}`, 3);
        console.log(
          '| route | connections | requests/s | p50 ms | p99 ms | non-2xx/errors | query service CPU, µs a request | query service CPU, cores |\n|---|---:|---:|---:|---:|---:|---:|---:|',
        );
        rows.forEach((row) => console.log(row));
        console.log(`\n/v1/portfolio/metrics ${across}: ${metrics.text}`);
        console.log(`/v1/portfolio/metrics?asOf= ${across} (folds from the log): ${metricsAsOf.text}`);
        console.log(`/v1/portfolio/health?asOf= ${across} (folds from the log): ${healthAsOf.text}`);
        const [health, portfolio] = [loads.get('GET /v1/accounts/{id}/health')!, loads.get('GET /v1/portfolio/health?limit=50')!];
        recordFigures('query', 'reads', {
          accounts: ACCOUNTS,
          healthRequestsPerSecond: health.requestsPerSecond,
          healthP99: health.p99,
          portfolioRequestsPerSecond: portfolio.requestsPerSecond,
          portfolioP99: portfolio.p99,
          metricsMedianMs: metrics.median,
        });
      } finally {
        await query.stop();
      }

      const projector = await startService('projector', { DATABASE_URL: url });
      try {
        const { schema } = await ensureActiveReadModel(pool);
        const latencies: number[] = [];
        for (let i = 0; i < 200; i++) {
          const accountId = `bench-${1 + (i % ACCOUNTS)}`;
          const source = { system: 'bench-fresh', eventId: randomUUID() };
          const event = encodeEvent(
            newAccountEvent({
              type: 'InteractionLogged',
              data: { interactionId: `f-${i}`, channel: 'call', direction: 'inbound' },
              accountId,
              occurredAt: new Date().toISOString(),
              source,
            }),
          );
          const [[appended]] = await store.append([{ streamId: accountStreamId(accountId), expectedVersion: 'any', events: [event] }]);
          const committed = performance.now();
          while (Number((await pool.query(`SELECT position FROM ${schema}.rm_checkpoint`)).rows[0].position) < appended.globalPosition) {
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          latencies.push(performance.now() - committed);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        latencies.sort((a, b) => a - b);
        console.log(
          `freshness (append committed → in the read model), 200 appends at ~20/s: p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms`,
        );
      } finally {
        await projector.stop();
      }
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
