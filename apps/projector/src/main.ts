import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { configureHttpApp, ConfigurationError, runUntilSignal } from '@rapport/platform';
import { ProjectorAppModule } from './projector-app.module';

async function main(): Promise<void> {
  const app = await NestFactory.create(ProjectorAppModule.forRoot(), { bufferLogs: true, bodyParser: false });
  configureHttpApp(app);
  await app.listen(Number(process.env.PORT ?? 3003));
  runUntilSignal(app);
}

main().catch((error) => {
  console.error(error instanceof ConfigurationError ? error.message : error);
  process.exit(1);
});
