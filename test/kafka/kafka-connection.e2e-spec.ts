import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { IngestAppModule } from '@rapport/ingest/ingest-app.module';
import { IncomingMessage, KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { startTestApp, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait-until';

// The test broker (scripts/kafka-broker.sh) has, beside its plain listener, one that requires SASL/PLAIN (user rapport,
// password rapport-test-secret) and one that speaks TLS with a self-signed certificate; global setup names them.

function saslBrokers(): string {
  const brokers = process.env.KAFKA_SASL_BROKERS;
  if (!brokers)
    throw new Error('KAFKA_SASL_BROKERS must name a listener requiring SASL/PLAIN (user rapport, password rapport-test-secret)');
  return brokers;
}

function sslBroker(): { brokers: string; ca: string } {
  const brokers = process.env.KAFKA_SSL_BROKERS;
  const ca = process.env.KAFKA_TEST_SSL_CA;
  if (!brokers || !ca)
    throw new Error('KAFKA_SSL_BROKERS and KAFKA_TEST_SSL_CA must name a TLS listener and the PEM of the CA that signed it');
  return { brokers, ca };
}

/** Waits until the app's metrics count `count` events appended from Kafka; returns the count it last saw. */
async function appendedFromKafka(app: TestApp, count: number): Promise<string | undefined> {
  let seen: string | undefined;
  for (let i = 0; i < 200 && seen !== String(count); i++) {
    seen = /^rapport_events_appended_total\{via="kafka"\} (\d+)/m.exec((await app.http.get('/metrics')).text)?.[1];
    if (seen !== String(count)) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return seen;
}

const opened = (eventId: string) =>
  JSON.stringify({
    type: 'AccountOpened',
    accountId: 'k-acme',
    occurredAt: '2026-03-02T10:00:00Z',
    source: { system: 'crm', eventId },
    data: { name: 'Acme' },
  });

/** Starts an ingest app on `brokers` with `settings`, sends one AccountOpened through `bus`, and checks it was appended. */
async function ingestsOneThrough(brokers: string, settings: Record<string, string>, bus: KafkajsMessageBus): Promise<void> {
  const prefix = `conn${randomUUID().slice(0, 6)}.`;
  const app = await startTestApp(IngestAppModule.forRoot, {
    label: 'kafka_connection',
    config: { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, ...settings },
  });
  try {
    const producer = await bus.producer();
    await producer.send(prefix + TOPICS.ingest, [{ key: 'k-acme', value: opened(randomUUID()) }]);
    await producer.disconnect();
    expect(await appendedFromKafka(app, 1)).toBe('1');
  } finally {
    await bus.close();
    await app.close();
  }
}

describe('Kafka with SASL (KAFKA_SASL_*)', () => {
  it('refuses a wrong password', async () => {
    const bus = new KafkajsMessageBus({
      brokers: saslBrokers(),
      clientId: 'sasl-test',
      sasl: { mechanism: 'plain', username: 'rapport', password: 'wrong' },
    });
    try {
      await expect(bus.ensureTopics([{ name: `sasl-${randomUUID().slice(0, 6)}`, partitions: 1 }])).rejects.toThrow(/SASL|authenticat/i);
    } finally {
      await bus.close();
    }
  }, 60_000);

  it('ingests from the inbound topic over a SASL connection configured by the environment', async () => {
    const sasl = { mechanism: 'plain' as const, username: 'rapport', password: 'rapport-test-secret' };
    await ingestsOneThrough(
      saslBrokers(),
      { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'rapport', KAFKA_SASL_PASSWORD: 'rapport-test-secret' },
      new KafkajsMessageBus({ brokers: saslBrokers(), clientId: 'sasl-test', sasl }),
    );
  }, 60_000);
});

describe('Kafka over TLS (KAFKA_SSL, KAFKA_SSL_CA)', () => {
  it('refuses a broker whose certificate it cannot trust', async () => {
    const untrusted = new KafkajsMessageBus({ brokers: sslBroker().brokers, clientId: 'ssl-test', ssl: true });
    try {
      await expect(untrusted.ensureTopics([{ name: `ssl-${randomUUID().slice(0, 6)}`, partitions: 1 }])).rejects.toThrow(/certificate/i);
    } finally {
      await untrusted.close();
    }
  }, 60_000);

  it("publishes the outbox over TLS from the relay's own thread, trusting the CA it is given", async () => {
    const { brokers, ca } = sslBroker();
    const prefix = `tls${randomUUID().slice(0, 6)}.`;
    const app = await startTestApp(StandaloneAppModule.forRoot, {
      label: 'kafka_connection',
      config: { KAFKA_BROKERS: brokers, KAFKA_TOPIC_PREFIX: prefix, KAFKA_SSL: 'true', KAFKA_SSL_CA: ca },
    });
    const bus = new KafkajsMessageBus({ brokers, clientId: 'ssl-test', ssl: { ca: [readFileSync(ca, 'utf8')] } });
    const received: IncomingMessage[] = [];
    try {
      const consumer = await bus.consume(
        { groupId: `tls-${randomUUID()}`, topic: prefix + TOPICS.accountHealth, fromBeginning: true },
        async (messages) => void received.push(...messages),
      );
      await app.http
        .post('/v1/events')
        .send(JSON.parse(opened(randomUUID())))
        .expect(201);
      await waitUntil(() => received.length > 0, 'the outbound event', { timeoutMs: 30_000 });
      await consumer.stop();
      expect(received.map((m) => [m.key, JSON.parse(m.value!).type])).toEqual([['k-acme', 'ChurnRiskRaised']]);
    } finally {
      await bus.close();
      await app.close();
    }
  }, 60_000);

  it('ingests from the inbound topic over TLS, trusting the CA it is given', async () => {
    const { brokers, ca } = sslBroker();
    await ingestsOneThrough(
      brokers,
      { KAFKA_SSL: 'true', KAFKA_SSL_CA: ca },
      new KafkajsMessageBus({ brokers, clientId: 'ssl-test', ssl: { ca: [readFileSync(ca, 'utf8')] } }),
    );
  }, 60_000);
});
