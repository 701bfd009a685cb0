/**
 * bench/relay: the outbox relay alone: --messages outbound events (a new account's ChurnRiskRaised, ~420 bytes, as
 * bench:pipeline's burst raises) written to the outbox first, as the projector writes them, then an OutboxRelay in
 * this process relays them to a topic of the broker (batches of 500, the relay's), timed until it has recorded them
 * all, with its CPU a message and PostgreSQL's. The relay's work in bench:pipeline's burst (a thread of the projector
 * there) without the processes that share its cores. `npm run bench:relay`; `-- --producer-only`: the Kafka producer
 * alone sending the same messages as the relay sends them (key, value, two headers; batches of 500), without the
 * outbox, for a change to kafkajs (patches/); `-- --consumer-only`: a consumer as ingest's runs (four partitions at
 * once, their batches combined) reading the same messages from a topic they were written to first, group join included.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { KafkajsMessageBus, OutboxRelay } from '@rapport/messaging';
import { migrateOutbox, RELAYED_UP_TO_SQL } from '@rapport/read-models';
import { benchBroker } from '../support/bench-broker';
import { benchServer } from '../support/bench-database';
import { deleteTopics } from '../support/kafka-topics';
import { CpuBudget, localPostgres, thisProcess } from '../support/process-cpu';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    'producer-only': { type: 'boolean', default: false },
    'consumer-only': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(args.messages);
const WRITE_BATCH = 1000;

/** An outbound event as the projector writes it for a new account (bench:pipeline's burst). */
function outboundEvent(position: number) {
  return {
    type: 'ChurnRiskRaised',
    eventId: randomUUID(),
    figures: {
      score: 60,
      drivers: [{ name: 'no_recent_interaction', points: 10, explanation: 'no interaction ever logged' }],
      arrAtRisk: {},
      previousScore: null,
    },
    causedBy: { eventId: randomUUID(), globalPosition: position },
    accountId: `p-${randomUUID().slice(0, 12)}`,
    occurredAt: new Date().toISOString(),
  };
}

/** Writes `count` events to the outbox, each payload's text as the projector writes it (compact); returns the last seq. */
async function writeOutbox(pool: Pool, first: number, count: number): Promise<number> {
  for (let i = 0; i < count; i += WRITE_BATCH) {
    const events = Array.from({ length: Math.min(WRITE_BATCH, count - i) }, (_, j) => outboundEvent(first + i + j));
    await pool.query(
      `INSERT INTO rapport_outbox (event_id, account_id, type, payload)
       SELECT (e->>'eventId')::uuid, e->>'accountId', e->>'type', e FROM json_array_elements($1::json) AS e`,
      [JSON.stringify(events)],
    );
  }
  return Number((await pool.query<{ seq: string }>('SELECT max(seq) AS seq FROM rapport_outbox')).rows[0].seq);
}

async function relayedUpTo(pool: Pool): Promise<number> {
  return Number((await pool.query<{ up_to_seq: string }>(RELAYED_UP_TO_SQL)).rows[0].up_to_seq);
}

/** Relays until the outbox's rows up to `last` are recorded as relayed. */
async function relayUpTo(pool: Pool, bus: KafkajsMessageBus, topic: string, last: number): Promise<void> {
  const relay = new OutboxRelay(pool, bus, topic, { info: () => undefined, error: (m, e) => console.error(m, e) }, { idleWaitMs: 20 });
  relay.start();
  try {
    while ((await relayedUpTo(pool)) < last) await new Promise((resolve) => setTimeout(resolve, 10));
  } finally {
    await relay.stop();
  }
}

/** The relay's batch size: a producer's send a batch. */
const RELAY_BATCH = 500;

/** The producer alone: the messages the relay would send for `count` outbound events, RELAY_BATCH a send. */
async function produce(bus: KafkajsMessageBus, topic: string, count: number, budget?: CpuBudget): Promise<number> {
  const batches = Array.from({ length: Math.ceil(count / RELAY_BATCH) }, (_, b) =>
    Array.from({ length: Math.min(RELAY_BATCH, count - b * RELAY_BATCH) }, (_, i) => {
      const event = outboundEvent(b * RELAY_BATCH + i);
      return {
        key: event.accountId,
        value: JSON.stringify(event),
        headers: { 'rapport-event-id': event.eventId, 'rapport-event-type': event.type },
      };
    }),
  );
  const producer = await bus.producer();
  try {
    // The messages are made before the clock starts: only the producer's work is measured.
    const started = performance.now();
    budget?.start();
    for (const batch of batches) await producer.send(topic, batch);
    budget?.stop();
    return (performance.now() - started) / 1000;
  } finally {
    await producer.disconnect();
  }
}

/** Consumes `count` messages of `topic` from its beginning, as ingest's consumer does; the seconds it took. */
async function consume(bus: KafkajsMessageBus, topic: string, count: number, budget?: CpuBudget): Promise<number> {
  let received = 0;
  let allReceived!: () => void;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  const started = performance.now();
  budget?.start();
  const consumer = await bus.consume(
    { groupId: `bench-${randomUUID()}`, topic, partitionsConcurrently: 4, combinePartitions: true },
    (messages) => {
      received += messages.length;
      if (received >= count) allReceived();
      return Promise.resolve();
    },
  );
  await done;
  budget?.stop();
  const seconds = (performance.now() - started) / 1000;
  await consumer.stop();
  return seconds;
}

/** The producer (`--producer-only`) or a consumer (`--consumer-only`) alone, on the relay's messages. */
async function kafkaClientOnly(client: 'producer' | 'consumer'): Promise<void> {
  const broker = benchBroker();
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const [warmUpTopic, topic] = [`${prefix}warm-up`, `${prefix}health`];
  const bus = new KafkajsMessageBus({ brokers: broker.brokers, clientId: `bench-${client}` });
  console.log(
    `bench/relay --${client}-only: ${MESSAGES.toLocaleString('en-US')} messages after ${(MESSAGES / 5).toLocaleString('en-US')} of warm-up; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}; broker ${broker.brokers}`,
  );
  try {
    await bus.ensureTopics([
      { name: warmUpTopic, partitions: 4 },
      { name: topic, partitions: 4 },
    ]);
    const warmUp = Math.ceil(MESSAGES / 5);
    const cpu = new CpuBudget([thisProcess(`the ${client}`), ...(broker.process ? [broker.process] : [])]);
    await produce(bus, warmUpTopic, warmUp);
    let seconds: number;
    if (client === 'producer') seconds = await produce(bus, topic, MESSAGES, cpu);
    else {
      await produce(bus, topic, MESSAGES);
      await consume(bus, warmUpTopic, warmUp);
      seconds = await consume(bus, topic, MESSAGES, cpu);
    }
    console.log(
      `\n| messages | seconds | messages/s |\n|---:|---:|---:|\n| ${MESSAGES.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${Math.round(MESSAGES / seconds).toLocaleString('en-US')} |`,
    );
    console.log(`\n${cpu.report(MESSAGES)}`);
  } finally {
    await bus.close();
    await deleteTopics(broker.brokers, prefix);
    broker.stop();
  }
}

async function main(): Promise<void> {
  const broker = benchBroker();
  const brokers = broker.brokers;
  const server = await benchServer();
  const url = await server.newDatabase('rapport_bench_relay');
  const pool = new Pool({ connectionString: url, max: 4 });
  const prefix = `bench${randomUUID().slice(0, 6)}.`;
  const topic = `${prefix}health`;
  const bus = new KafkajsMessageBus({ brokers, clientId: 'bench-relay' });
  console.log(
    `bench/relay: ${MESSAGES.toLocaleString('en-US')} outbound events after ${(MESSAGES / 5).toLocaleString('en-US')} of warm-up; ${cpus().length} × ${cpus()[0].model}; Node ${process.version}; broker ${brokers}`,
  );
  console.log(`database: ${server.description}`);
  try {
    await migrateOutbox(pool);
    await bus.ensureTopics([{ name: topic, partitions: 4 }]);
    const warmUp = Math.ceil(MESSAGES / 5);
    await relayUpTo(pool, bus, topic, await writeOutbox(pool, 0, warmUp));
    const last = await writeOutbox(pool, warmUp, MESSAGES);
    await pool.query('CHECKPOINT');
    const cpu = new CpuBudget([thisProcess('the relay'), await localPostgres(url), ...(broker.process ? [broker.process] : [])]);
    const started = performance.now();
    cpu.start();
    await relayUpTo(pool, bus, topic, last);
    cpu.stop();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\n| messages | seconds | messages/s |\n|---:|---:|---:|\n| ${MESSAGES.toLocaleString('en-US')} | ${seconds.toFixed(2)} | ${Math.round(MESSAGES / seconds).toLocaleString('en-US')} |`,
    );
    console.log(`\n${cpu.report(MESSAGES)}`);
  } finally {
    await pool.end();
    await bus.close();
    await deleteTopics(brokers, prefix);
    await server.stop();
    broker.stop();
  }
}

(args['producer-only'] ? kafkaClientOnly('producer') : args['consumer-only'] ? kafkaClientOnly('consumer') : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
