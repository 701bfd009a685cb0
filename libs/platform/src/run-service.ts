import cluster from 'node:cluster';
import { DynamicModule } from '@nestjs/common';
import pino from 'pino';
import { processCount, ServiceCluster } from './cluster/service-cluster';
import { ConfigurationError, RapportEnvironment, validateEnvironment } from './config/rapport-config';
import { createHttpApp } from './http/configure-http-app';
import { setupOpenApi } from './http/open-api';
import { runUntilSignal } from './run-until-signal';

/** Every interface, as Express listened by default (Fastify alone would take only the loopback). */
export const LISTEN_HOST = '0.0.0.0';

export interface ServiceOptions {
  defaultPort: number;
  openApiTitle?: string;
  /** The variable that may run the service as several processes on its port (`ServiceCluster`). */
  processesVariable?: keyof RapportEnvironment;
}

/**
 * The main of a service (services mode): create the app, serve on PORT (or its default), stop on a signal; or, where
 * `processesVariable` asks for more than one, be the primary of a cluster of such processes.
 * A configuration error prints the variables at fault; any start-up error exits 1.
 */
export function runService(module: DynamicModule, options: ServiceOptions): void {
  (async () => {
    if (options.processesVariable && cluster.isPrimary) {
      const processes = processCount(validateEnvironment(process.env)[options.processesVariable] as string | undefined);
      if (processes > 1) return runCluster(processes);
    }
    const app = await createHttpApp(module);
    if (options.openApiTitle) setupOpenApi(app, options.openApiTitle);
    await app.listen(Number(process.env.PORT ?? options.defaultPort), LISTEN_HOST);
    runUntilSignal(app);
  })().catch((error) => {
    console.error(error instanceof ConfigurationError ? error.message : error);
    process.exit(1);
  });
}

async function runCluster(processes: number): Promise<void> {
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }).child({ context: 'cluster' });
  const serviceCluster = new ServiceCluster({
    processes,
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
  });
  const stop = (signal: string) => {
    log.info(`${signal}: stopping every process`);
    serviceCluster.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.exit(await serviceCluster.run());
}
