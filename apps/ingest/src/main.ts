import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configureHttpApp, ConfigurationError, runUntilSignal, setupOpenApi } from '@rapport/platform';
import { IngestAppModule } from './ingest-app.module';

async function main(): Promise<void> {
  const app = await NestFactory.create(IngestAppModule.forRoot(), { bufferLogs: true, bodyParser: false });
  configureHttpApp(app);
  setupOpenApi(app, 'Rapport ingest API');
  await app.listen(Number(process.env.PORT ?? 3001));
  runUntilSignal(app);
}

main().catch((error) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
