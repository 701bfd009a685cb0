import { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigurationError } from './config/rapport-config';
import { configureHttpApp } from './http/configure-http-app';
import { setupOpenApi } from './http/open-api';
import { runUntilSignal } from './run-until-signal';

/**
 * The main of a service (services mode): create the app, serve on PORT (or its default), stop on a signal.
 * A configuration error prints the variables at fault; any start-up error exits 1.
 */
export function runService(module: DynamicModule, options: { defaultPort: number; openApiTitle?: string }): void {
  (async () => {
    const app = await NestFactory.create(module, { bufferLogs: true, bodyParser: false });
    configureHttpApp(app);
    if (options.openApiTitle) setupOpenApi(app, options.openApiTitle);
    await app.listen(Number(process.env.PORT ?? options.defaultPort));
    runUntilSignal(app);
  })().catch((error) => {
    console.error(error instanceof ConfigurationError ? error.message : error);
    process.exit(1);
  });
}
