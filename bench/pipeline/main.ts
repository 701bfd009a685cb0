/**
 * bench/pipeline: Kafka in to Kafka out through the services (ingest and projector as separate processes).
 * Every message is an AccountOpened of a new account, which raises exactly one ChurnRiskRaised (no data yet:
 * risk 50 + 10 for no interaction), so each inbound message has one outbound event to time.
 * Runs: (1) a paced load at --rate events/s for --seconds, end-to-end latency p50/p99 from the send to the outbound
 * event's arrival; (2) a burst of --burst messages, throughput in to out. `npm run bench:pipeline`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { eventIdFor } from '@rapport/domain';
import { KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { startKafkaBroker, stopKafkaBroker } from '../../test/support/kafka-broker';
import { startService } from '../../test/support/service-process';
import { benchServer } from '../support/bench-database';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    burst: { type: 'string', default: '10000' },
  },
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function main(): Promise<void> {
  const rate = Number(args.rate);
  const seconds = Number(args.seconds);
  const burst = Number(args.burst);
  let startedBroker = false;
  if (!process.env.KAFKA_BROKERS) {
    const broker = startKafkaBroker();
    process.env.KAFKA_BROKERS = broker.brokers;
    startedBroker = broker.startedHere;
  }
  const server = await benchServer();
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const env = {
    DATABASE_URL: await server.newDatabase('rapport_bench_pipeline'),
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    KAFKA_TOPIC_PREFIX: prefix,
  };
  const services = [await startService('ingest', env), await startService('projector', env)];
  const bus = new KafkajsMessageBus({ brokers: env.KAFKA_BROKERS, clientId: 'bench-pipeline' });
  console.log(
    `bench/pipeline: ${cpus().length} × ${cpus()[0].model}; Node ${process.version}; broker ${env.KAFKA_BROKERS} (Kafka 3.9.1, one KRaft node)`,
  );
  console.log(`database: ${server.description}`);
  try {
    const producer = await bus.producer();
    const sentAt = new Map<string, number>();
    const arrived = new Map<string, number>();
    await bus.ensureTopics([{ name: prefix + TOPICS.accountHealth, partitions: 4 }]);
    const consumer = await bus.consume(
      { groupId: `bench-${randomUUID()}`, topic: prefix + TOPICS.accountHealth, partitionsConcurrently: 4 },
      async (messages) => {
        const now = performance.now();
        for (const m of messages) {
          const cause = JSON.parse(m.value!).causedBy?.eventId as string | undefined;
          if (cause && !arrived.has(cause)) arrived.set(cause, now);
        }
      },
    );
    const message = () => {
      const accountId = `p-${randomUUID().slice(0, 12)}`;
      const source = { system: 'bench', eventId: randomUUID() };
      return {
        id: eventIdFor(source),
        message: {
          key: accountId,
          value: JSON.stringify({
            type: 'AccountOpened',
            accountId,
            occurredAt: new Date().toISOString(),
            source,
            data: { name: accountId },
          }),
        },
      };
    };
    const until = async (done: () => boolean, timeoutMs: number) => {
      const deadline = performance.now() + timeoutMs;
      while (!done() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };

    // Warm-up, not measured: the outbound consumer's group join and the first connections would otherwise count
    // as pipeline latency for the first messages.
    const warmUp = Array.from({ length: 50 }, message);
    warmUp.forEach((w) => sentAt.set(w.id, performance.now()));
    await producer.send(
      prefix + TOPICS.ingest,
      warmUp.map((w) => w.message),
    );
    await until(() => warmUp.every((w) => arrived.has(w.id)), 60_000);

    // (1) paced: `rate` per second in ticks of 20 ms.
    const paced: string[] = [];
    const tick = 20;
    const perTick = Math.max(1, Math.round((rate * tick) / 1000));
    const start = performance.now();
    for (let t = 0; performance.now() - start < seconds * 1000; t++) {
      const batch = Array.from({ length: perTick }, message);
      const at = performance.now();
      for (const b of batch) {
        sentAt.set(b.id, at);
        paced.push(b.id);
      }
      await producer.send(
        prefix + TOPICS.ingest,
        batch.map((b) => b.message),
      );
      const wait = start + (t + 1) * tick - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const offered = paced.length / ((performance.now() - start) / 1000);
    await until(() => paced.every((id) => arrived.has(id)), 120_000);
    const latencies = paced
      .filter((id) => arrived.has(id))
      .map((id) => arrived.get(id)! - sentAt.get(id)!)
      .sort((a, b) => a - b);

    // (2) burst.
    const burstIds: string[] = [];
    const burstStart = performance.now();
    for (let i = 0; i < burst; i += 500) {
      const batch = Array.from({ length: Math.min(500, burst - i) }, message);
      batch.forEach((b) => burstIds.push(b.id));
      await producer.send(
        prefix + TOPICS.ingest,
        batch.map((b) => b.message),
      );
    }
    await until(() => burstIds.every((id) => arrived.has(id)), 300_000);
    const burstDone = Math.max(...burstIds.map((id) => arrived.get(id) ?? Infinity));
    await consumer.stop();
    await producer.disconnect();

    console.log(
      '\n| run | events | offered events/s | delivered | p50 ms | p99 ms | throughput events/s |\n|---|---:|---:|---:|---:|---:|---:|',
    );
    console.log(
      `| paced | ${paced.length} | ${Math.round(offered)} | ${latencies.length} | ${percentile(latencies, 50).toFixed(0)} | ${percentile(latencies, 99).toFixed(0)} | |`,
    );
    const delivered = burstIds.filter((id) => arrived.has(id)).length;
    console.log(
      `| burst | ${burst} | | ${delivered} | | | ${Number.isFinite(burstDone) ? Math.round(burst / ((burstDone - burstStart) / 1000)) : 'not all delivered'} |`,
    );
  } finally {
    await bus.close();
    for (const service of services) await service.stop();
    await server.stop();
    if (startedBroker) stopKafkaBroker();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
