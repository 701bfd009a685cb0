import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { configureHttpApp, RapportEnvironment } from '@rapport/platform';
import { createTestDatabase, TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  /** The HTTP server, for supertest. */
  server: ReturnType<INestApplication['getHttpServer']>;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Starts an app module (e.g. `IngestAppModule.forRoot`) on a database of its own, as the real main does. */
export async function startTestApp(
  moduleFor: (config: Partial<RapportEnvironment>) => DynamicModule,
  options: { label: string; database?: TestDatabase },
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase(options.label));
  const app = await NestFactory.create(moduleFor({ DATABASE_URL: database.url, LOG_LEVEL: 'silent' }), { bodyParser: false, logger: false });
  configureHttpApp(app, { shutdownHooks: false });
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
