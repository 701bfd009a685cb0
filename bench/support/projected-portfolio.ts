import { Pool } from 'pg';
import { DEFAULT_SCORING_CONFIG } from '@rapport/domain';
import { PostgresEventStore } from '@rapport/event-store';
import { ensureActiveReadModel, rebuildReadModels } from '@rapport/read-models';
import { benchServer } from './bench-database';
import { generatePortfolio } from './generate-portfolio';

export interface ProjectedPortfolio {
  url: string;
  pool: Pool;
  store: PostgresEventStore;
  events: number;
}

/**
 * A bench database holding a generated portfolio, projected into the read model, for `work`; then everything is
 * stopped, whatever `work` did. `describe` prints the run's header once the server is known.
 */
export async function withProjectedPortfolio(
  database: string,
  portfolio: { accounts: number; eventsPerAccount: number },
  describe: (server: string) => void,
  work: (bench: ProjectedPortfolio) => Promise<void>,
): Promise<void> {
  const server = await benchServer();
  const url = await server.newDatabase(database);
  const pool = new Pool({ connectionString: url, max: 4 });
  pool.on('error', () => undefined);
  const store = new PostgresEventStore(pool);
  try {
    await store.migrate();
    describe(server.description);
    const events = await generatePortfolio(store, portfolio.accounts, portfolio.eventsPerAccount);
    await ensureActiveReadModel(pool);
    await rebuildReadModels(pool, store, () => new Date(), DEFAULT_SCORING_CONFIG);
    // As pgbench does before its runs: the load's aftermath (autovacuum's passes over the new tables, the dirty
    // pages a checkpoint writes out) settled first, not spread over the runs measured on the same two cores.
    await pool.query('VACUUM (ANALYZE)');
    await pool.query('CHECKPOINT');
    console.log(`${events.toLocaleString('en-US')} events generated, projected, vacuumed and checkpointed\n`);
    await work({ url, pool, store, events });
  } finally {
    await store.close();
    await pool.end();
    await server.stop();
  }
}
