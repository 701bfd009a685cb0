import { stopKafkaBroker } from './kafka-broker';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as { __rapportEmbeddedPostgres?: { stop(): Promise<void> } }).__rapportEmbeddedPostgres;
  if (server) await server.stop();
  if ((globalThis as { __rapportStartedKafka?: boolean }).__rapportStartedKafka) stopKafkaBroker();
}
