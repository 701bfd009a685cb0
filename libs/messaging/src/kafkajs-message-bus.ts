import { Consumer, Kafka, logLevel, Producer, SASLOptions } from 'kafkajs';
import { ConsumeOptions, IncomingMessage, MessageBus, MessageProducer, RunningConsumer } from './message-bus.port';
import { TickCoalescer } from './tick-coalescer';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaOptions {
  /** host:port, comma-separated. */
  brokers: string;
  clientId: string;
  /** TLS to the brokers: trusting the system's CAs, or these PEM certificates instead (a private CA). */
  ssl?: boolean | { ca: string[] };
  /** SASL authentication to the brokers. */
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

/** kafkajs's SASL settings of ours (its type is a union keyed by mechanism). */
function saslOptions(sasl: KafkaOptions['sasl']): SASLOptions | undefined {
  if (!sasl) return undefined;
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/** The MessageBus on Kafka with kafkajs, using raw consumers (eachBatch, explicit commits), not Nest's transport. */
export class KafkajsMessageBus implements MessageBus {
  private readonly kafka: Kafka;
  private readonly producers = new Set<Producer>();
  private readonly consumers = new Set<Consumer>();

  constructor(options: KafkaOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: options.brokers
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      ssl: options.ssl ?? false,
      sasl: saslOptions(options.sasl),
      logLevel: logLevel.NOTHING,
      retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
  }

  async ensureTopics(topics: Array<{ name: string; partitions: number }>): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topics.filter((t) => !existing.has(t.name));
      if (missing.length > 0)
        await admin.createTopics({ topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })), waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  async producer(): Promise<MessageProducer> {
    // Idempotence needs one request in flight to keep per-partition order through retries.
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    this.producers.add(producer);
    return {
      send: async (topic, messages) => {
        await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
      },
      disconnect: async () => {
        this.producers.delete(producer);
        await producer.disconnect();
      },
    };
  }

  async consume(options: ConsumeOptions, handle: (messages: IncomingMessage[]) => Promise<void>): Promise<RunningConsumer> {
    // A fetch returns as soon as there is a message; with none, the broker holds it this long, and stopping waits
    // for it: kafkajs' 5 s default made every stop of an idle consumer take 5 s.
    const consumer = this.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning ?? true });
    this.consumers.add(consumer);
    // kafkajs' commitOffsetsIfNecessary does nothing without autoCommit: commit the next offset explicitly.
    const commit = (offsets: Array<{ topic: string; partition: number; offset: string }>) => consumer.commitOffsets(offsets);
    const handled = options.combinePartitions ? new TickCoalescer(handle) : undefined;
    const committed = options.combinePartitions ? new TickCoalescer(commit) : undefined;
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
      eachBatchAutoResolve: false,
      // kafkajs hands these as plain functions bound to the batch.
      // eslint-disable-next-line @typescript-eslint/unbound-method
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key?.toString('utf8') ?? null,
          value: m.value?.toString('utf8') ?? null,
          headers: Object.fromEntries(
            Object.entries(m.headers ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(',') : String(v ?? '')]),
          ),
        }));
        await (handled ? handled.add(messages) : handle(messages));
        const last = batch.messages[batch.messages.length - 1].offset;
        resolveOffset(last);
        const next = [{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }];
        await (committed ? committed.add(next) : commit(next));
        await heartbeat();
      },
    });
    return {
      stop: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.disconnect()));
    await Promise.all([...this.producers].map((p) => p.disconnect()));
    this.consumers.clear();
    this.producers.clear();
  }
}
