/**
 * bench/kafka-produce: the outbox relay's producer alone: --messages outbound events (~420 bytes of JSON, keyed by
 * account, the relay's two headers) sent through KafkajsMessageBus in batches of --batch (the relay's 500), after a
 * fifth of them as warm-up, with the producer's CPU a message. The relay's Kafka work in bench:pipeline's burst,
 * without the rest; how patches/kafkajs+2.2.4.patch was measured. `npm run bench:kafka-produce`.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { KafkajsMessageBus, OutgoingMessage } from '@rapport/messaging';
import { startKafkaBroker, stopKafkaBroker } from '../../test/support/kafka-broker';
import { deleteTopics } from '../support/kafka-topics';
import { CpuBudget, thisProcess } from '../support/process-cpu';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
  },
});
const MESSAGES = Number(args.messages);
const BATCH = Number(args.batch);

/** An outbound event as the relay sends it (a new account's ChurnRiskRaised, bench:pipeline's burst). */
function message(position: number): OutgoingMessage {
  const accountId = `p-${randomUUID().slice(0, 12)}`;
  const eventId = randomUUID();
  const event = {
    type: 'ChurnRiskRaised',
    eventId,
    figures: {
      score: 60,
      drivers: [{ name: 'no_recent_interaction', points: 10, explanation: 'no interaction ever logged' }],
      arrAtRisk: {},
      previousScore: null,
    },
    causedBy: { eventId: randomUUID(), globalPosition: position },
    accountId,
    occurredAt: new Date().toISOString(),
  };
  return { key: accountId, value: JSON.stringify(event), headers: { 'rapport-event-id': eventId, 'rapport-event-type': event.type } };
}
const batchesOf = (n: number, first: number): OutgoingMessage[][] =>
  Array.from({ length: Math.ceil(n / BATCH) }, (_, b) =>
    Array.from({ length: Math.min(BATCH, n - b * BATCH) }, (_, i) => message(first + b * BATCH + i)),
  );

async function main(): Promise<void> {
  let startedBroker = false;
  if (!process.env.KAFKA_BROKERS) {
    const broker = startKafkaBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
    startedBroker = broker.startedHere;
  }
  const brokers = process.env.KAFKA_BROKERS;
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const topic = `${prefix}health`;
  const bus = new KafkajsMessageBus({ brokers, clientId: 'bench-kafka-produce' });
  console.log(
    `bench/kafka-produce: ${MESSAGES.toLocaleString('en-US')} messages in batches of ${BATCH}; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}; broker ${brokers}`,
  );
  try {
    await bus.ensureTopics([{ name: topic, partitions: 4 }]);
    const producer = await bus.producer();
    const warmUp = Math.ceil(MESSAGES / 5);
    // Made before the clock starts: the messages' JSON is the relay's read of the outbox, not its producer's work.
    const warmUpBatches = batchesOf(warmUp, 0);
    const batches = batchesOf(MESSAGES, warmUp);
    for (const batch of warmUpBatches) await producer.send(topic, batch);
    const cpu = new CpuBudget([thisProcess('the producer')]);
    const started = performance.now();
    cpu.start();
    for (const batch of batches) await producer.send(topic, batch);
    cpu.stop();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\n| messages | seconds | messages/s |\n|---:|---:|---:|\n| ${MESSAGES.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${Math.round(MESSAGES / seconds).toLocaleString('en-US')} |`,
    );
    console.log(`\n${cpu.report(MESSAGES)}`);
    await producer.disconnect();
  } finally {
    await bus.close();
    await deleteTopics(brokers, prefix);
    if (startedBroker) stopKafkaBroker();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
