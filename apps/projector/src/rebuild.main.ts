import 'reflect-metadata';
import { resolve } from 'node:path';
import { DeepPartial, ScoringConfig, scoringConfig } from '@rapport/domain';
import { PostgresEventStore } from '@rapport/event-store';
import { ConfigurationError, createPool, validateEnvironment } from '@rapport/platform';
import { EmbeddedPostgresServer, runningServerUrl, startEmbeddedPostgres } from '@rapport/postgres';
import { rebuildReadModels } from '@rapport/read-models';

/**
 * `npm run rebuild`: replays the whole log into fresh read-model tables and swaps them in, while the apps run.
 * On DATABASE_URL; else on the running standalone app's embedded PostgreSQL; else it starts that server itself.
 */
async function main(): Promise<void> {
  const env = validateEnvironment(process.env);
  let url = env.DATABASE_URL;
  let embedded: EmbeddedPostgresServer | undefined;
  if (!url) {
    const dataDir = resolve(env.RAPPORT_DATA_DIR ?? '.rapport/data');
    url = runningServerUrl(dataDir);
    if (!url) {
      embedded = await startEmbeddedPostgres({ dataDir });
      await embedded.ensureDatabase('rapport');
      url = embedded.databaseUrl('rapport');
    }
  }
  const config = scoringConfig(env.RAPPORT_SCORING ? (JSON.parse(env.RAPPORT_SCORING) as DeepPartial<ScoringConfig>) : {});
  const pool = createPool(url, 4);
  const store = new PostgresEventStore(pool);
  try {
    await store.migrate();
    const started = performance.now();
    let lastReport = 0;
    const result = await rebuildReadModels(pool, store, () => new Date(), config, {
      onProgress: ({ phase, events, accounts }) => {
        if (performance.now() - lastReport < 1000 && phase !== 'swap') return;
        lastReport = performance.now();
        console.log(`${phase}: ${events.toLocaleString('en-US')} events, ${accounts.toLocaleString('en-US')} accounts`);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `rebuilt ${result.accounts.toLocaleString('en-US')} accounts from ${result.events.toLocaleString('en-US')} events ` +
        `in ${seconds.toFixed(1)} s ` +
        `(${Math.round(result.events / seconds).toLocaleString('en-US')} events/s); ` +
        `now serving ${result.schema}, dropped ${result.previousSchema}`,
    );
  } finally {
    await store.close();
    await pool.end();
    await embedded?.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
