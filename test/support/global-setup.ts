import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../libs/postgres/src/embedded-postgres-server';
import { startKafkaBroker } from './kafka-broker';

/**
 * Integration and e2e suites run against a real PostgreSQL: the one DATABASE_URL names (its server is used to
 * create a database per suite), or else an embedded server started here once for the run.
 */
export default async function globalSetup(): Promise<void> {
  // Kafka suites use a real broker: KAFKA_BROKERS, or the one scripts/kafka-broker.sh assembles and starts. The SASL
  // suite uses KAFKA_SASL_BROKERS: a listener requiring SASL/PLAIN with user rapport, password rapport-test-secret; the
  // TLS suite KAFKA_SSL_BROKERS, a TLS listener whose certificate KAFKA_TEST_SSL_CA (a PEM file) signs.
  if (!process.env.KAFKA_BROKERS) {
    const broker = startKafkaBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
    process.env.KAFKA_SASL_BROKERS ??= broker.saslBrokers;
    process.env.KAFKA_SSL_BROKERS ??= broker.sslBrokers;
    process.env.KAFKA_TEST_SSL_CA ??= broker.sslCa;
    (globalThis as { __rapportStartedKafka?: boolean }).__rapportStartedKafka = broker.startedHere;
  }
  if (process.env.DATABASE_URL) return;
  const dir = mkdtempSync(join(tmpdir(), 'rapport-test-pg-'));
  // Run as root, the server runs as a `postgres` system user, which must be able to enter the directory.
  chmodSync(dir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data') });
  process.env.DATABASE_URL = server.adminUrl;
  (globalThis as { __rapportEmbeddedPostgres?: { stop(): Promise<void> } }).__rapportEmbeddedPostgres = server;
}
