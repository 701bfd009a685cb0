import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaHome, startKafkaBroker, stopKafkaBroker } from '../../test/support/kafka-broker';
import { MeasuredProcess, processTree } from './process-cpu';

/**
 * The Kafka broker a benchmark runs against: KAFKA_BROKERS', or one started for the run (from Maven Central's
 * artifacts, as the tests start theirs), which `stop` stops again. The benchmark's services inherit KAFKA_BROKERS.
 * `process` is the broker's JVM when it is scripts/kafka-broker.sh's on this host, so that its CPU counts in the
 * benchmark's budget: it shares the cores with the services (undefined for another broker).
 */
export function benchBroker(): { brokers: string; process?: MeasuredProcess; stop(): void } {
  const given = process.env.KAFKA_BROKERS;
  if (given) return { brokers: given, process: localBroker(given), stop: () => undefined };
  const broker = startKafkaBroker();
  process.env.KAFKA_BROKERS = broker.brokers;
  return {
    brokers: broker.brokers,
    process: localBroker(broker.brokers),
    stop: () => (broker.startedHere ? stopKafkaBroker() : undefined),
  };
}

/** scripts/kafka-broker.sh's broker, when `brokers` is its address (its port file's port, on this host). */
function localBroker(brokers: string): MeasuredProcess | undefined {
  const [pidFile, portFile] = [join(kafkaHome(), 'broker.pid'), join(kafkaHome(), 'broker.port')];
  if (!existsSync(pidFile) || !existsSync(portFile)) return undefined;
  const port = readFileSync(portFile, 'utf8').trim();
  const local = brokers
    .split(',')
    .every((address) => /^(127\.0\.0\.1|localhost)$/.test(address.split(':')[0]) && address.split(':')[1] === port);
  return local ? processTree('Kafka broker', Number(readFileSync(pidFile, 'utf8').trim())) : undefined;
}
