import { randomUUID } from 'node:crypto';
import { IngestAppModule } from '@rapport/ingest/ingest-app.module';
import { KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { startTestApp } from '../support/test-app';

/** The test broker's listener that requires SASL/PLAIN (scripts/kafka-broker.sh), or one named by KAFKA_SASL_BROKERS. */
function saslBrokers(): string {
  const brokers = process.env.KAFKA_SASL_BROKERS;
  if (!brokers)
    throw new Error('KAFKA_SASL_BROKERS must name a listener requiring SASL/PLAIN (user rapport, password rapport-test-secret)');
  return brokers;
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
    const prefix = `sasl${randomUUID().slice(0, 6)}.`;
    const app = await startTestApp(IngestAppModule.forRoot, {
      label: 'kafka_sasl',
      config: {
        KAFKA_BROKERS: saslBrokers(),
        KAFKA_TOPIC_PREFIX: prefix,
        KAFKA_SASL_MECHANISM: 'plain',
        KAFKA_SASL_USERNAME: 'rapport',
        KAFKA_SASL_PASSWORD: 'rapport-test-secret',
      },
    });
    const bus = new KafkajsMessageBus({
      brokers: saslBrokers(),
      clientId: 'sasl-test',
      sasl: { mechanism: 'plain', username: 'rapport', password: 'rapport-test-secret' },
    });
    try {
      const producer = await bus.producer();
      const envelope = {
        type: 'AccountOpened',
        accountId: 'sasl-acme',
        occurredAt: '2026-03-02T10:00:00Z',
        source: { system: 'crm', eventId: 's-1' },
        data: { name: 'Acme' },
      };
      await producer.send(prefix + TOPICS.ingest, [{ key: 'sasl-acme', value: JSON.stringify(envelope) }]);
      await producer.disconnect();
      const appended = async () => /^rapport_events_appended_total\{via="kafka"\} (\d+)/m.exec((await app.http.get('/metrics')).text)?.[1];
      let count: string | undefined;
      for (let i = 0; i < 200 && count !== '1'; i++) {
        count = await appended();
        if (count !== '1') await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(count).toBe('1');
    } finally {
      await bus.close();
      await app.close();
    }
  }, 60_000);
});
