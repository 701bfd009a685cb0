/**
 * bench/rebuild: replays a generated log (default 10,000 accounts × 100 events = 1,000,000 events) into the read
 * models with `rebuildReadModels`, printing events/s and peak memory. Run on demand: `npm run bench:rebuild`.
 * Options: --accounts N, --events-per-account N.
 */
import 'reflect-metadata';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { PostgresEventStore } from '@rapport/event-store';
import { rebuildReadModels } from '@rapport/read-models';
import { benchServer } from '../support/bench-database';
import { generatePortfolio } from '../support/generate-portfolio';

const { values: args } = parseArgs({
  options: { accounts: { type: 'string', default: '10000' }, 'events-per-account': { type: 'string', default: '100' } },
});

async function main(): Promise<void> {
  const accounts = Number(args.accounts);
  const perAccount = Number(args['events-per-account']);
  const server = await benchServer();
  const pool = new Pool({ connectionString: await server.newDatabase('rapport_bench_rebuild'), max: 6 });
  pool.on('error', () => undefined);
  const store = new PostgresEventStore(pool);
  try {
    await store.migrate();
    console.log(
      `bench/rebuild: ${accounts.toLocaleString('en-US')} accounts × ~${perAccount} events; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}`,
    );
    console.log(`database: ${server.description}`);
    let lastReport = 0;
    const generating = performance.now();
    const events = await generatePortfolio(store, accounts, perAccount, (n) => {
      if (performance.now() - lastReport > 5_000) {
        lastReport = performance.now();
        console.log(`  generated ${n.toLocaleString('en-US')} events`);
      }
    });
    console.log(`generated ${events.toLocaleString('en-US')} events in ${((performance.now() - generating) / 1000).toFixed(1)} s`);

    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const started = performance.now();
    const result = await rebuildReadModels(pool, store, () => new Date(), DEFAULT_SCORING_CONFIG);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    console.log('\n| events | accounts | seconds | events/s | peak RSS | RSS before |\n|---:|---:|---:|---:|---:|---:|');
    console.log(
      `| ${result.events.toLocaleString('en-US')} | ${result.accounts.toLocaleString('en-US')} | ${seconds.toFixed(1)} | ` +
        `${Math.round(result.events / seconds).toLocaleString('en-US')} | ${Math.round(peakRss / 2 ** 20)} MiB | ${Math.round(rssBefore / 2 ** 20)} MiB |`,
    );
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
