import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import schema from '../../docs/schemas/rapport.account-health.v1.schema.json';
import { IncomingMessage, KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait-until';

const prefix = `t${randomUUID().slice(0, 8)}.`;
let app: TestApp;
let base: string;
let bus: KafkajsMessageBus;

/** Reads an SSE response until `count` events arrived. */
async function readSse(
  url: string,
  count: number,
  headers: Record<string, string> = {},
): Promise<Array<{ id: string; event: string; data: { eventId: string; type: string; accountId: string } }>> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...headers }, signal: controller.signal });
  const reader = response.body!.getReader();
  const events: Array<{ id: string; event: string; data: { eventId: string; type: string; accountId: string } }> = [];
  let buffer = '';
  const deadline = Date.now() + 20_000;
  while (events.length < count && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += new TextDecoder().decode(value);
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      if (field('data')) events.push({ id: field('id')!, event: field('event')!, data: JSON.parse(field('data')!) });
    }
  }
  controller.abort();
  return events;
}

beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, {
    label: 'health_out',
    config: { KAFKA_BROKERS: process.env.KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: prefix },
  });
  await app.app.listen(0, '127.0.0.1');
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  bus = new KafkajsMessageBus({ brokers: process.env.KAFKA_BROKERS!, clientId: 'health-out-test' });
}, 60_000);
afterAll(async () => {
  await bus.close();
  await app.close();
});

describe('Kafka out and SSE: rapport.account-health.v1', () => {
  it('publishes health changes, churn risk, expansion signals and churn, keyed by account, with the same events on SSE', async () => {
    const day = (d: string) => `${d}T12:00:00Z`;
    const e = (accountId: string, occurredAt: string, type: string, data: object) => ({
      type,
      accountId,
      occurredAt: day(occurredAt),
      source: { system: 'out', eventId: randomUUID() },
      data,
    });
    const batch = [
      e('lost', '2025-01-01', 'AccountOpened', { name: 'Lost' }),
      e('lost', '2025-01-02', 'ContractSigned', {
        contractId: 'c',
        products: ['core'],
        arr: 1000,
        currency: 'EUR',
        startDate: '2025-01-01',
        endDate: '2026-01-01',
      }),
      e('lost', '2025-11-01', 'RenewalOpened', { renewalId: 'r', contractId: 'c', dueDate: '2025-12-01' }),
      e('lost', '2025-12-15', 'RenewalLost', { renewalId: 'r', contractId: 'c', reason: 'price' }),
      e('busy', '2026-01-01', 'AccountOpened', { name: 'Busy' }),
      e('busy', '2026-11-01', 'UsageReported', { product: 'core', activeUsers: 98, licensedUsers: 100 }),
    ];
    const posted = await app.http.post('/v1/events/batch').send(batch).expect(201);
    expect(posted.body.appended).toBe(6);

    const received: IncomingMessage[] = [];
    const consumer = await bus.consume({ groupId: `reader-${randomUUID()}`, topic: prefix + TOPICS.accountHealth }, async (messages) => {
      received.push(...messages);
    });
    const types = () => received.map((m) => `${m.key}:${m.headers['rapport-event-type']}`);
    await waitUntil(
      () =>
        ['lost:AccountChurned', 'lost:ChurnRiskRaised', 'busy:ExpansionSignalDetected', 'busy:AccountHealthChanged'].every((t) =>
          types().includes(t),
        ),
      'the outbound events',
    );
    await consumer.stop();

    // Every message matches the JSON Schema documented for consumers.
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
    for (const message of received) {
      expect([message.headers['rapport-event-type'], validate(JSON.parse(message.value!)), validate.errors ?? []]).toEqual([
        message.headers['rapport-event-type'],
        true,
        [],
      ]);
    }

    const churned = received.find((m) => m.headers['rapport-event-type'] === 'AccountChurned')!;
    const body = JSON.parse(churned.value!);
    expect(body).toMatchObject({
      type: 'AccountChurned',
      accountId: 'lost',
      eventId: churned.headers['rapport-event-id'],
      causedBy: { eventId: posted.body.results[3].eventId, globalPosition: posted.body.results[3].globalPosition },
    });
    expect(body.occurredAt).toBe(day('2025-12-15'));
    expect(
      JSON.parse(received.find((m) => m.headers['rapport-event-type'] === 'ExpansionSignalDetected')!.value!).figures.signal.name,
    ).toBe('seat_pressure');

    // The same events on SSE, from the start; then resumed after the second one with Last-Event-ID.
    const all = await readSse(`${base}/v1/stream/health?after=0`, received.length);
    // Kafka keeps order per partition (per account), SSE the global outbox order: compare per account.
    for (const account of ['lost', 'busy']) {
      expect(all.filter((s) => s.data.accountId === account).map((s) => s.data.eventId)).toEqual(
        received.filter((m) => m.key === account).map((m) => m.headers['rapport-event-id']),
      );
    }
    expect(all.map((s) => s.id)).toEqual([...all.map((s) => s.id)].sort((a, b) => Number(a) - Number(b)));
    const resumed = await readSse(`${base}/v1/stream/health`, all.length - 2, { 'Last-Event-ID': all[1].id });
    expect(resumed.map((s) => s.data.eventId)).toEqual(all.slice(2).map((s) => s.data.eventId));
  }, 60_000);
});
