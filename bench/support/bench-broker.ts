import { startKafkaBroker, stopKafkaBroker } from '../../test/support/kafka-broker';

/**
 * The Kafka broker a benchmark runs against: KAFKA_BROKERS', or one started for the run (from Maven Central's
 * artifacts, as the tests start theirs), which `stop` stops again. The benchmark's services inherit KAFKA_BROKERS.
 */
export function benchBroker(): { brokers: string; stop(): void } {
  const given = process.env.KAFKA_BROKERS;
  if (given) return { brokers: given, stop: () => undefined };
  const broker = startKafkaBroker();
  process.env.KAFKA_BROKERS = broker.brokers;
  return { brokers: broker.brokers, stop: () => (broker.startedHere ? stopKafkaBroker() : undefined) };
}
