import { randomUUID } from 'node:crypto';
import { IncomingMessage, KafkajsMessageBus, TOPICS } from '@rapport/messaging';
import { exitCode, SERVICE_AUTH, ServiceProcess, spawnService, startService } from '../support/service-process';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const prefix = `s${randomUUID().slice(0, 8)}.`;

let database: TestDatabase;
let env: Record<string, string>;
const services: ServiceProcess[] = [];
/** The account the first test sends through the pipeline, projected by the time the later tests run. */
let projectedAccount = '';

beforeAll(async () => {
  database = await createTestDatabase('services');
  env = { DATABASE_URL: database.url, KAFKA_BROKERS: process.env.KAFKA_BROKERS!, KAFKA_TOPIC_PREFIX: prefix };
  for (const name of ['ingest', 'projector', 'query']) services.push(await startService(name, env));
}, 120_000);

afterAll(async () => {
  for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGKILL');
  await database.drop();
});

describe('the services mode: ingest, projector and query as separate processes', () => {
  it('follows one event from Kafka in to Kafka out, and reads it back from the query service', async () => {
    const bus = new KafkajsMessageBus({ brokers: env.KAFKA_BROKERS, clientId: 'services-test' });
    const producer = await bus.producer();
    const accountId = `svc-${randomUUID().slice(0, 6)}`;
    projectedAccount = accountId;
    await producer.send(prefix + TOPICS.ingest, [
      {
        key: accountId,
        value: JSON.stringify({
          type: 'AccountOpened',
          accountId,
          occurredAt: '2026-01-01T00:00:00Z',
          source: { system: 'svc', eventId: `${accountId}-1` },
          data: { name: 'Svc' },
        }),
      },
      {
        key: accountId,
        value: JSON.stringify({
          type: 'InteractionLogged',
          accountId,
          occurredAt: new Date(Date.now() - 86_400_000).toISOString(),
          source: { system: 'svc', eventId: `${accountId}-2` },
          data: { interactionId: 'i', channel: 'meeting', direction: 'outbound', sentiment: 0.8, executiveInvolved: true },
        }),
      },
    ]);
    await producer.disconnect();
    const received: IncomingMessage[] = [];
    const consumer = await bus.consume({ groupId: `svc-${randomUUID()}`, topic: prefix + TOPICS.accountHealth }, async (messages) => {
      received.push(...messages.filter((m) => m.key === accountId));
    });
    const healthChanged = () => received.find((m) => m.headers['rapport-event-type'] === 'AccountHealthChanged');
    for (let i = 0; i < 300 && !healthChanged(); i++) await new Promise((r) => setTimeout(r, 100));
    await consumer.stop();
    await bus.close();

    const out = JSON.parse(healthChanged()!.value!);
    expect(out).toMatchObject({ accountId, figures: { band: expect.any(String) } });
    const account = await fetch(`${services[2].base}/v1/accounts/${accountId}?minPosition=${out.causedBy.globalPosition}`, {
      headers: SERVICE_AUTH,
    }).then((r) => r.json());
    expect(account).toMatchObject({ accountId, name: 'Svc' });
    const metrics = await fetch(`${services[0].base}/metrics`, { headers: SERVICE_AUTH }).then((r) => r.text());
    expect(metrics).toMatch(/^rapport_events_appended_total\{via="kafka"\} [1-9]/m);
  }, 60_000);

  it('stops each service cleanly on SIGTERM', async () => {
    for (const service of services) {
      expect([service.name, await service.stop()]).toEqual([service.name, 0]);
    }
  }, 60_000);

  it('logs requests without their credentials', async () => {
    const query = await startService('query', { ...env, LOG_LEVEL: 'info' });
    try {
      await fetch(`${query.base}/v1/portfolio/health`, { headers: SERVICE_AUTH }).then((r) => expect(r.status).toBe(200));
      await fetch(`${query.base}/v1/portfolio/health`, { headers: { authorization: 'Bearer a-wrong-secret-that-must-not-be-logged' } });
      await new Promise((r) => setTimeout(r, 200));
      const logged = query.output.join('');
      expect(logged).toContain('"url":"/v1/portfolio/health"');
      expect(logged).toContain('[redacted]');
      expect(logged).not.toContain(SERVICE_AUTH.authorization.slice('Bearer '.length));
      expect(logged).not.toContain('a-wrong-secret-that-must-not-be-logged');
    } finally {
      await query.stop();
    }
  }, 60_000);

  it("loads the most recently active accounts' answers ahead, as the routes answer them", async () => {
    const scrape = async (query: ServiceProcess) => {
      const text = await fetch(`${query.base}/metrics`, { headers: SERVICE_AUTH }).then((r) => r.text());
      const value = (pattern: string) => Number(new RegExp(`^${pattern} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
      return {
        held: value('rapport_answer_cache_answers'),
        hit: value('rapport_answer_cache_lookups_total\\{result="hit"\\}'),
        miss: value('rapport_answer_cache_lookups_total\\{result="miss"\\}'),
      };
    };
    const ahead = await startService('query', env);
    const none = await startService('query', { ...env, RAPPORT_ANSWER_CACHE_ACCOUNTS: '0' });
    try {
      for (let i = 0; i < 100 && (await scrape(ahead)).held < 2; i++) await new Promise((r) => setTimeout(r, 100));
      for (const path of [`/v1/accounts/${projectedAccount}`, `/v1/accounts/${projectedAccount}/health`]) {
        const [held, computed] = await Promise.all(
          [ahead, none].map((query) => fetch(`${query.base}${path}`, { headers: SERVICE_AUTH }).then((r) => r.json())),
        );
        expect(held).toEqual(computed);
        expect(held).toMatchObject({ accountId: projectedAccount });
      }
      // The first reading of each route was a lookup where answers were loaded ahead, and a query where they were not.
      expect(await scrape(ahead)).toMatchObject({ hit: 2, miss: 0 });
      expect(await scrape(none)).toMatchObject({ held: expect.any(Number), hit: 0 });
    } finally {
      await ahead.stop();
      await none.stop();
    }
  }, 60_000);

  it('refuses to start with a bad variable, naming it', async () => {
    const { child, output } = spawnService('ingest', { ...env, DATABASE_URL: 'mysql://nope', PORT: '70000' });
    expect(await exitCode(child)).not.toBe(0);
    expect(output.join('')).toMatch(/DATABASE_URL must be a postgres:\/\/ URL/);
    expect(output.join('')).toMatch(/PORT must be an integer/);
  }, 30_000);
});
