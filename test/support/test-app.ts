import { DynamicModule, INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CLOCK, Clock, configureHttpApp, RapportEnvironment } from '@rapport/platform';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  /** The HTTP server, for supertest. */
  server: ReturnType<INestApplication['getHttpServer']>;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Starts an app module (e.g. `IngestAppModule.forRoot`) on a database of its own, as the real main does; `clock` replaces the system clock. */
export async function startTestApp(
  moduleFor: (config: Partial<RapportEnvironment>) => DynamicModule,
  options: { label: string; database?: TestDatabase; clock?: Clock; config?: Partial<RapportEnvironment> },
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(options.label));
  // Kafka stays off unless a suite asks for it (with a topic prefix of its own: suites share one broker).
  const config = { DATABASE_URL: database.url, LOG_LEVEL: 'silent' as const, KAFKA_BROKERS: '', ...options.config };
  let builder = Test.createTestingModule({ imports: [moduleFor(config)] });
  if (options.clock) builder = builder.overrideProvider(CLOCK).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  configureHttpApp(app);
  await app.init();
  return {
    app,
    server: app.getHttpServer(),
    database,
    async close() {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
