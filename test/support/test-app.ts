import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CLOCK, Clock, configureHttpApp, HTTP_APP_OPTIONS, httpAdapter, RapportEnvironment, setupOpenApi } from '@rapport/platform';
import { createTestDatabase, TestDatabase } from './test-database';

/** The bootstrap admin key of test apps: every suite runs with auth on, as deployed. */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef0123456789';

export interface TestApp {
  app: INestApplication;
  /** The HTTP server, for supertest (requests without credentials). */
  server: ReturnType<INestApplication['getHttpServer']>;
  /** A supertest agent that sends the admin key with every request. */
  http: ReturnType<typeof request.agent>;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Starts an app module (e.g. `IngestAppModule.forRoot`) on a database of its own, as the real main does; `clock` replaces the system clock. */
export async function startTestApp(
  moduleFor: (config: Partial<RapportEnvironment>) => DynamicModule,
  options: { label: string; database?: TestDatabase; clock?: Clock; config?: Partial<RapportEnvironment>; openApi?: boolean },
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(options.label));
  // Kafka stays off unless a suite asks for it (with a topic prefix of its own: suites share one broker).
  const config = {
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent' as const,
    KAFKA_BROKERS: '',
    RAPPORT_BOOTSTRAP_KEY: TEST_ADMIN_KEY,
    ...options.config,
  };
  let builder = Test.createTestingModule({ imports: [moduleFor(config)] });
  if (options.clock) builder = builder.overrideProvider(CLOCK).useValue(options.clock);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(httpAdapter(), { ...HTTP_APP_OPTIONS, logger: false });
  await configureHttpApp(app);
  if (options.openApi) setupOpenApi(app, 'Rapport API');
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    server: app.getHttpServer(),
    http: request.agent(app.getHttpServer()).set('authorization', `Bearer ${TEST_ADMIN_KEY}`),
    database,
    async close() {
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}
