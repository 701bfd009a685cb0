/**
 * bench/backtest: GET /v1/portfolio/backtest over a generated portfolio (default 10,000 accounts × 100 events,
 * half of them closing a renewal in the period), answered by the query service as its own process; its resident
 * memory before and after, from its own /metrics. Run on demand: `npm run bench:backtest`.
 * Options: --accounts N, --events-per-account N, --runs N (default 3).
 */
import 'reflect-metadata';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { SERVICE_AUTH, startService } from '../../test/support/service-process';
import { withProjectedPortfolio } from '../support/projected-portfolio';

const { values: args } = parseArgs({
  options: {
    accounts: { type: 'string', default: '10000' },
    'events-per-account': { type: 'string', default: '100' },
    runs: { type: 'string', default: '3' },
  },
});
const ACCOUNTS = Number(args.accounts);
const RUNS = Number(args.runs);

async function residentMiB(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`, { headers: SERVICE_AUTH })).text();
  const match = /^rapport_process_resident_memory_bytes (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  if (!match) throw new Error('no rapport_process_resident_memory_bytes in /metrics');
  return Math.round(Number(match[1]) / 2 ** 20);
}

async function main(): Promise<void> {
  await withProjectedPortfolio(
    'rapport_bench_backtest',
    { accounts: ACCOUNTS, eventsPerAccount: Number(args['events-per-account']) },
    (server) => {
      console.log(
        `bench/backtest: ${ACCOUNTS.toLocaleString('en-US')} accounts; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`,
      );
      console.log(`database: ${server}`);
    },
    async ({ url, events }) => {
      const query = await startService('query', { DATABASE_URL: url, RAPPORT_RATE_LIMIT: '0' });
      try {
        const before = await residentMiB(query.base);
        const path = '/v1/portfolio/backtest?from=2026-01-01&to=2026-11-01&leadDays=90&rows=none';
        const timings: number[] = [];
        let outcomes = 0;
        let peak = before;
        for (let i = 0; i < RUNS; i++) {
          const started = performance.now();
          const response = await fetch(`${query.base}${path}`, { headers: SERVICE_AUTH });
          if (!response.ok) throw new Error(`backtest answered ${response.status}: ${await response.text()}`);
          const report = (await response.json()) as { outcomes: { total: number }; auc: number | null };
          timings.push(performance.now() - started);
          outcomes = report.outcomes.total;
          peak = Math.max(peak, await residentMiB(query.base));
        }
        timings.sort((a, b) => a - b);
        console.log(`| accounts | events | renewals backtested | median s | slowest s | query RSS before → after |`);
        console.log(`|---:|---:|---:|---:|---:|---:|`);
        console.log(
          `| ${ACCOUNTS.toLocaleString('en-US')} | ${events.toLocaleString('en-US')} | ${outcomes.toLocaleString('en-US')} | ` +
            `${(timings[Math.floor(RUNS / 2)] / 1000).toFixed(2)} | ${(timings[RUNS - 1] / 1000).toFixed(2)} | ${before} → ${peak} MiB |`,
        );
      } finally {
        await query.stop();
      }
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
