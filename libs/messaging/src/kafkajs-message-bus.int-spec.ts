import { randomUUID } from 'node:crypto';
import { KafkajsMessageBus } from './kafkajs-message-bus';
import { IncomingMessage } from './message-bus.port';

const PARTITIONS = 4;

describe('KafkajsMessageBus consuming with combinePartitions', () => {
  let bus: KafkajsMessageBus;
  beforeAll(() => {
    bus = new KafkajsMessageBus({ brokers: process.env.KAFKA_BROKERS!, clientId: 'bus-test' });
  });
  afterAll(() => bus.close());

  /** 200 messages over 40 keys (so over every partition), already on the topic before anyone consumes it. */
  async function topicWithMessages(): Promise<{ topic: string; sent: string[] }> {
    const topic = `combine-${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
    const producer = await bus.producer();
    const sent = Array.from({ length: 200 }, (_, i) => `m${i}`);
    await producer.send(
      topic,
      sent.map((value, i) => ({ key: `k${i % 40}`, value })),
    );
    await producer.disconnect();
    return { topic, sent };
  }

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 300 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  };

  it('hands the partitions fetched together to one call, each in order, and commits them after it', async () => {
    const { topic, sent } = await topicWithMessages();
    const groupId = `combine-${randomUUID()}`;
    const calls: IncomingMessage[][] = [];
    const consumer = await bus.consume(
      { groupId, topic, partitionsConcurrently: PARTITIONS, combinePartitions: true },
      async (messages) => {
        calls.push(messages);
      },
    );
    await until(() => calls.flat().length >= sent.length);
    await consumer.stop();

    const handled = calls.flat();
    expect(handled.map((m) => m.value).sort()).toEqual([...sent].sort());
    expect(Math.max(...calls.map((call) => new Set(call.map((m) => m.partition)).size))).toBeGreaterThan(1);
    for (const call of calls) {
      for (let p = 0; p < PARTITIONS; p++) {
        const offsets = call.filter((m) => m.partition === p).map((m) => BigInt(m.offset));
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
      }
    }
    // Committed: the group's next member starts after them.
    const again: IncomingMessage[] = [];
    const next = await bus.consume({ groupId, topic, partitionsConcurrently: PARTITIONS, combinePartitions: true }, async (messages) => {
      again.push(...messages);
    });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await next.stop();
    expect(again).toEqual([]);
  }, 60_000);

  it('commits none of the partitions of a call that failed: they come again', async () => {
    const { topic, sent } = await topicWithMessages();
    let failed: IncomingMessage[] | undefined;
    const handled: IncomingMessage[] = [];
    const consumer = await bus.consume(
      { groupId: `combine-${randomUUID()}`, topic, partitionsConcurrently: PARTITIONS, combinePartitions: true },
      async (messages) => {
        if (!failed && new Set(messages.map((m) => m.partition)).size > 1) {
          failed = messages;
          throw new Error('database down');
        }
        handled.push(...messages);
      },
    );
    await until(() => new Set(handled.map((m) => m.value)).size >= sent.length);
    await consumer.stop();

    expect(failed).toBeDefined();
    expect(new Set(handled.map((m) => m.value))).toEqual(new Set(sent));
    const key = (m: IncomingMessage) => `${m.partition}:${m.offset}`;
    const handledKeys = new Set(handled.map(key));
    expect(failed!.every((m) => handledKeys.has(key(m)))).toBe(true);
  }, 60_000);
});
