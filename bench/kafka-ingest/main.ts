/**
 * bench/kafka-ingest: the ingest service alone taking a burst from its Kafka topic: --events `AccountOpened` of new
 * accounts (as in bench:pipeline's burst) produced in batches of 500 after --warm-up of the same, timed until the log
 * holds them all, with the ingest service's CPU an event and PostgreSQL's. bench:pipeline's first stage without the
 * projector, the relay and the outbound consumer that share the cores there: runs of one code moved by about ±10 %
 * here, against ±20 % there, so an A/B of a change to ingest or the store's append reads here first.
 * `npm run bench:kafka-ingest`.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { startService } from '../../test/support/service-process';
import { benchBroker } from '../support/bench-broker';
import { benchServer } from '../support/bench-database';
import { deleteTopics } from '../support/kafka-topics';
import { CpuBudget, localPostgres, processTree } from '../support/process-cpu';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '40000' },
    'warm-up': { type: 'string', default: '2000' },
  },
});
const EVENTS = Number(args.events);
const WARM_UP = Number(args['warm-up']);
const BATCH = 500;

const message = () => {
  const accountId = `k-${randomUUID().slice(0, 12)}`;
  const envelope = {
    type: 'AccountOpened',
    accountId,
    occurredAt: new Date().toISOString(),
    source: { system: 'bench', eventId: randomUUID() },
    data: { name: accountId },
  };
  return { key: accountId, value: JSON.stringify(envelope) };
};
const batchesOf = (n: number) =>
  Array.from({ length: Math.ceil(n / BATCH) }, (_, b) => Array.from({ length: Math.min(BATCH, n - b * BATCH) }, message));

async function main(): Promise<void> {
  const broker = benchBroker();
  const brokers = broker.brokers;
  const server = await benchServer();
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const url = await server.newDatabase('rapport_bench_kafka_ingest');
  const ingest = await startService('ingest', { DATABASE_URL: url, KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix });
  const bus = new KafkajsMessageBus({ brokers, clientId: 'bench-kafka-ingest' });
  const db = new Client({ connectionString: url });
  await db.connect();
  console.log(
    `bench/kafka-ingest: ${EVENTS.toLocaleString('en-US')} new accounts after ${WARM_UP.toLocaleString('en-US')} of warm-up; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}; broker ${brokers}`,
  );
  console.log(`database: ${server.description}`);
  try {
    const cpu = new CpuBudget([
      processTree('ingest', ingest.child.pid!),
      await localPostgres(url),
      ...(broker.process ? [broker.process] : []),
    ]);
    const producer = await bus.producer();
    const head = async () => Number((await db.query<{ n: string }>('SELECT position AS n FROM rapport_log_head')).rows[0]?.n ?? 0);
    const until = async (position: number) => {
      while ((await head()) < position) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    for (const batch of batchesOf(WARM_UP)) await producer.send(prefix + TOPICS.ingest, batch);
    await until(WARM_UP);
    // Made before the clock starts: the messages' JSON and ids are this process's work, not the service's.
    const burst = batchesOf(EVENTS);
    const started = performance.now();
    cpu.start();
    for (const batch of burst) await producer.send(prefix + TOPICS.ingest, batch);
    await until(WARM_UP + EVENTS);
    cpu.stop();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\n| events | seconds | events/s |\n|---:|---:|---:|\n| ${EVENTS.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${Math.round(EVENTS / seconds).toLocaleString('en-US')} |`,
    );
    console.log(`\n${cpu.report(EVENTS)}`);
    await producer.disconnect();
  } finally {
    await db.end();
    await bus.close();
    await ingest.stop();
    await deleteTopics(brokers, prefix);
    await server.stop();
    broker.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
