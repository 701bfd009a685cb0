import { DynamicModule } from '@nestjs/common';
import { ConfigurationError } from './config/rapport-config';
import { createHttpApp } from './http/configure-http-app';
import { setupOpenApi } from './http/open-api';
import { runUntilSignal } from './run-until-signal';

/** Every interface, as Express listened by default (Fastify alone would take only the loopback). */
export const LISTEN_HOST = '0.0.0.0';

/**
 * The main of a service (services mode): create the app, serve on PORT (or its default), stop on a signal.
 * A configuration error prints the variables at fault; any start-up error exits 1.
 */
export function runService(module: DynamicModule, options: { defaultPort: number; openApiTitle?: string }): void {
  (async () => {
    const app = await createHttpApp(module);
    if (options.openApiTitle) setupOpenApi(app, options.openApiTitle);
    await app.listen(Number(process.env.PORT ?? options.defaultPort), LISTEN_HOST);
    runUntilSignal(app);
  })().catch((error) => {
    console.error(error instanceof ConfigurationError ? error.message : error);
    process.exit(1);
  });
}
