/**
 * bench/backtest: GET /v1/portfolio/backtest over a generated portfolio (default 10,000 accounts × 100 events,
 * half of them closing a renewal in the period), answered by the query service as its own process; its resident
 * memory before and after, from its own /metrics. Run on demand: `npm run bench:backtest`.
 * Options: --accounts N, --events-per-account N, --runs N (default 3).
 */
import 'reflect-metadata';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { PostgresEventStore } from '@rapport/event-store';
import { ensureActiveReadModel, rebuildReadModels } from '@rapport/read-models';
import { SERVICE_AUTH, startService } from '../../test/support/service-process';
import { benchServer } from '../support/bench-database';
import { generatePortfolio } from '../support/generate-portfolio';

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
  const server = await benchServer();
  const url = await server.newDatabase('rapport_bench_backtest');
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const store = new PostgresEventStore(pool);
  try {
    await store.migrate();
    console.log(
      `bench/backtest: ${ACCOUNTS.toLocaleString('en-US')} accounts; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`,
    );
    console.log(`database: ${server.description}`);
    const events = await generatePortfolio(store, ACCOUNTS, Number(args['events-per-account']));
    await ensureActiveReadModel(pool);
    await rebuildReadModels(pool, store, () => new Date(), DEFAULT_SCORING_CONFIG);
    console.log(`${events.toLocaleString('en-US')} events generated and projected\n`);

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
  } finally {
    await store.close();
    await pool.end();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
