import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { IngestAppModule } from '@rapport/ingest/ingest-app.module';
import { IncomingMessage, KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { startTestApp, TestApp } from '../support/test-app';

const prefix = `t${randomUUID().slice(0, 8)}.`;
const ingestTopic = prefix + TOPICS.ingest;
const dlqTopic = prefix + TOPICS.ingestDeadLetters;
let app: TestApp;
let bus: KafkajsMessageBus;
let pool: Pool;

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const envelope = (type: string, accountId: string, eventId: string, data: object) =>
  JSON.stringify({ type, accountId, occurredAt: '2026-03-02T10:00:00Z', source: { system: 'kafka-test', eventId }, data });

beforeAll(async () => {
  app = await startTestApp(IngestAppModule.forRoot, {
    label: 'kafka_ingest',
    // Commands of three messages: the batch below spans three of them, with messages to refuse in each.
    config: {
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: prefix,
      RAPPORT_KAFKA_SYSTEMS: 'kafka-test,crm',
      RAPPORT_KAFKA_COMMAND_EVENTS: '3',
    },
  });
  bus = new KafkajsMessageBus({ brokers: process.env.KAFKA_BROKERS!, clientId: 'kafka-ingest-test' });
  pool = new Pool({ connectionString: app.database.url, max: 2 });
}, 60_000);
afterAll(async () => {
  await bus.close();
  await pool.end();
  await app.close();
});

describe('Kafka in: rapport.ingest.v1', () => {
  it('ingests valid messages once, and sends every message it cannot ingest to the DLQ with the problem in its headers', async () => {
    const producer = await bus.producer();
    await producer.send(ingestTopic, [
      { key: 'k-acme', value: envelope('AccountOpened', 'k-acme', 'open-1', { name: 'Acme' }) },
      { key: 'k-acme', value: '{"type": "AccountOpened", ' },
      {
        key: 'k-acme',
        value: JSON.stringify({
          type: 'InteractionLogged',
          accountId: 'k-acme',
          occurredAt: '2026-03-02T10:00:00Z',
          source: { system: 'kafka-test', eventId: 'bad-1' },
        }),
      },
      { key: 'k-acme', value: envelope('AccountOpened', 'k-acme', 'open-1', { name: 'Acme' }) },
      {
        key: 'k-ghost',
        value: envelope('ContractSigned', 'k-ghost', 'ghost-1', {
          contractId: 'c',
          products: ['core'],
          arr: 1,
          currency: 'EUR',
          startDate: '2026-01-01',
          endDate: '2027-01-01',
        }),
      },
      {
        key: 'k-acme',
        value: envelope('InteractionLogged', 'k-acme', 'call-1', { interactionId: 'i', channel: 'call', direction: 'outbound' }),
      },
      // A system the topic may not carry (RAPPORT_KAFKA_SYSTEMS).
      {
        key: 'k-acme',
        value: JSON.stringify({
          ...JSON.parse(envelope('ReferralGiven', 'k-acme', 'ref-1', {})),
          source: { system: 'billing', eventId: 'ref-1' },
        }),
      },
      // Prototype poisoning, refused as the HTTP routes refuse it.
      {
        key: 'k-acme',
        value: `{"__proto__":{"admin":true},${envelope('InteractionLogged', 'k-acme', 'call-2', { interactionId: 'j', channel: 'call', direction: 'outbound' }).slice(1)}`,
      },
    ]);
    await producer.disconnect();

    const events = await eventually(
      async () =>
        (await pool.query("SELECT type FROM rapport_events WHERE stream_id = 'account-k-acme' ORDER BY version")).rows.map((r) => r.type),
      (types) => types.length >= 2,
      'the valid messages in the store',
    );
    const dead: IncomingMessage[] = [];
    const consumer = await bus.consume({ groupId: `dlq-reader-${randomUUID()}`, topic: dlqTopic }, async (messages) => {
      dead.push(...messages);
    });
    await eventually(
      async () => dead.length,
      (n) => n >= 5,
      'five dead letters',
    );
    await consumer.stop();

    // The redelivered AccountOpened appended nothing.
    expect(events).toEqual(['AccountOpened', 'InteractionLogged']);
    const byStatus = dead.map((m) => [m.headers['rapport-error-status'], m.headers['rapport-error-title']]);
    expect(byStatus).toEqual([
      ['400', 'Malformed JSON'],
      ['400', 'Invalid event'],
      ['404', 'Unknown account'],
      ['403', 'Source system not allowed'],
      ['400', 'Malformed JSON'],
    ]);
    expect(dead[4].headers['rapport-error-detail']).toContain('forbidden prototype property');
    expect(JSON.parse(dead[3].headers['rapport-error-errors'])).toEqual([
      { field: 'source.system', message: expect.stringContaining('kafka-test, crm') },
    ]);
    const senders = await pool.query(
      "SELECT DISTINCT metadata->>'recordedBy' AS sender FROM rapport_events WHERE stream_id = 'account-k-acme'",
    );
    expect(senders.rows).toEqual([{ sender: `kafka:${ingestTopic}` }]);
    expect(JSON.parse(dead[1].headers['rapport-error-errors'])).toEqual([{ field: 'data', message: expect.stringContaining('required') }]);
    expect(dead[2].headers['rapport-source-topic']).toBe(ingestTopic);
    expect(dead[2].key).toBe('k-ghost');
    expect(await pool.query("SELECT 1 FROM rapport_events WHERE stream_id = 'account-k-ghost'").then((r) => r.rowCount)).toBe(0);
  }, 60_000);
});
