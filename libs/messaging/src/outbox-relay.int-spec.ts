import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { migrateOutbox, OUTBOX_CHANNEL, RELAYED_UP_TO_SQL } from '@rapport/read-models';
import { interceptQueries } from '../../../test/support/intercept-queries';
import { privateKafkaBroker } from '../../../test/support/kafka-broker';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-database';
import { waitUntil } from '../../../test/support/wait-until';
import { KafkajsMessageBus } from './kafkajs-message-bus';
import { IncomingMessage } from './message-bus.port';
import { OutboxRelay } from './outbox-relay';

const silent = { info: () => undefined, error: () => undefined };

describe('OutboxRelay', () => {
  let database: TestDatabase;
  let pool: Pool;
  let broker: Awaited<ReturnType<typeof privateKafkaBroker>>;
  let seq = 0;

  beforeAll(async () => {
    database = await createTestDatabase('outbox_relay');
    pool = new Pool({ connectionString: database.url, max: 4 });
    pool.on('error', () => undefined);
    await migrateOutbox(pool);
    broker = await privateKafkaBroker(mkdtempSync(join(tmpdir(), 'rapport-kafka-')));
    broker.start();
  }, 120_000);
  afterAll(async () => {
    broker.stop();
    await pool.end();
    await database.drop();
  }, 60_000);

  async function addEvents(count: number): Promise<string[]> {
    const events = Array.from({ length: count }, () => {
      seq += 1;
      return { eventId: randomUUID(), type: 'AccountHealthChanged', accountId: `acct-${seq % 3}`, n: seq };
    });
    await pool.query(
      `INSERT INTO rapport_outbox (event_id, account_id, type, payload)
       SELECT (e->>'eventId')::uuid, e->>'accountId', e->>'type', e FROM jsonb_array_elements($1::jsonb) e`,
      [JSON.stringify(events)],
    );
    return events.map((e) => e.eventId);
  }

  it('delivers every event, in order per account, through a relay crash between the send and its record and a broker outage', async () => {
    const bus = new KafkajsMessageBus({ brokers: broker.brokers, clientId: 'relay-test' });
    const topic = `health-${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ name: topic, partitions: 3 }]);
    const received: IncomingMessage[] = [];
    const consumer = await bus.consume({ groupId: `reader-${randomUUID()}`, topic }, async (messages) => {
      received.push(...messages);
    });

    // A relay whose record of its batch fails twice: it has sent the batch, then "crashes" before recording it.
    let markFailures = 0;
    const faulty = new Pool({ connectionString: database.url, max: 2 });
    faulty.on('error', () => undefined);
    interceptQueries(faulty, (text) => {
      if (!text.startsWith('INSERT INTO rapport_outbox_relayed') || markFailures >= 2) return undefined;
      markFailures += 1;
      return new Error('relay killed before recording the batch');
    });
    const relay = new OutboxRelay(faulty, bus, topic, silent, { idleWaitMs: 100, retryDelayMs: 50 });
    const ids = await addEvents(30);
    relay.start();
    const until = (done: () => boolean | Promise<boolean>, what: string) => waitUntil(done, what, { timeoutMs: 60_000 });
    const unsent = async () =>
      (await pool.query(`SELECT count(*)::int AS n FROM rapport_outbox WHERE seq > (${RELAYED_UP_TO_SQL})`)).rows[0].n as number;
    const distinct = () => new Set(received.map((m) => m.headers['rapport-event-id']));
    await until(() => distinct().size >= 30, 'the first 30 events');

    broker.stop();
    ids.push(...(await addEvents(20)));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    broker.start();
    await until(() => distinct().size >= 50, 'all 50 events after the outage');
    // A send the broker took during its outage can still fail on the relay's side (and be sent again): every row is
    // recorded as relayed only once a send has succeeded. Stopping before that would leave rows for the next start, as designed.
    await until(async () => (await unsent()) === 0, 'every row recorded as relayed');
    await relay.stop();
    await consumer.stop();
    await bus.close();
    await faulty.end();

    expect(markFailures).toBe(2);
    expect([...distinct()].sort()).toEqual([...ids].sort());
    expect(received.length).toBeGreaterThan(50);
    for (const message of received) expect(JSON.parse(message.value!).eventId).toBe(message.headers['rapport-event-id']);
    // Per account, the first delivery of each event comes in outbox order.
    const firstSeen = new Map<string, number>();
    received.forEach((m, i) => firstSeen.has(m.headers['rapport-event-id']) || firstSeen.set(m.headers['rapport-event-id'], i));
    for (const account of ['acct-0', 'acct-1', 'acct-2']) {
      const order = received
        .filter((m) => m.key === account && firstSeen.get(m.headers['rapport-event-id']) === received.indexOf(m))
        .map((m) => JSON.parse(m.value!).n);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(order.length).toBeGreaterThan(10);
    }
    expect(await unsent()).toBe(0);
    // One row a batch, each reaching further than the one before, the last at the outbox's last row.
    const { rows: batches } = await pool.query<{ up_to_seq: string }>(
      'SELECT up_to_seq FROM rapport_outbox_relayed ORDER BY sent_at, up_to_seq',
    );
    const reached = batches.map((b) => Number(b.up_to_seq));
    expect(reached).toEqual([...new Set(reached)].sort((a, b) => a - b));
    expect(reached.length).toBeLessThan(50);
    expect(reached.at(-1)).toBe(Number((await pool.query('SELECT max(seq) AS seq FROM rapport_outbox')).rows[0].seq));
  }, 180_000);

  it('sends each payload as JSON.stringify writes the stored value: jsonb’s text without its spaces, json’s as written', async () => {
    const bus = new KafkajsMessageBus({ brokers: broker.brokers, clientId: 'relay-test' });
    const topic = `health-${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const received = new Map<string, string>();
    const consumer = await bus.consume({ groupId: `reader-${randomUUID()}`, topic }, async (messages) => {
      for (const m of messages) received.set(m.headers['rapport-event-id'], m.value!);
    });
    const events = ['a: b, c', 'say "x, y": z\\', 'é 😀\t\n', ''].map((text, i) => ({
      eventId: randomUUID(),
      type: 'AccountHealthChanged',
      accountId: 'acct-awkward',
      figures: { text, list: [i, 0.35, -1, { nested: [] }], empty: {} },
    }));
    // As rows written before the column was json hold them: jsonb's text, its keys in jsonb's order.
    await pool.query(
      `INSERT INTO rapport_outbox (event_id, account_id, type, payload)
       SELECT (e->>'eventId')::uuid, e->>'accountId', e->>'type', e::jsonb::json FROM json_array_elements($1::json) e`,
      [JSON.stringify(events)],
    );
    // As the projector writes them now: JSON.stringify's text, kept as it is.
    const written = events.map((e) => ({ ...e, eventId: randomUUID() }));
    await pool.query(
      `INSERT INTO rapport_outbox (event_id, account_id, type, payload)
       SELECT (e->>'eventId')::uuid, e->>'accountId', e->>'type', e FROM json_array_elements($1::json) e`,
      [JSON.stringify(written)],
    );
    const relay = new OutboxRelay(pool, bus, topic, silent, { idleWaitMs: 100 });
    relay.start();
    try {
      const all = [...events, ...written];
      await waitUntil(() => all.every((e) => received.has(e.eventId)), 'the awkward events', { timeoutMs: 60_000 });
      const { rows } = await pool.query<{ event_id: string; payload: unknown; text: string }>(
        'SELECT event_id, payload, payload::text AS text FROM rapport_outbox WHERE event_id = ANY($1::uuid[])',
        [events.map((e) => e.eventId)],
      );
      expect(rows).toHaveLength(events.length);
      for (const row of rows) {
        expect(row.text).toContain('": ');
        expect(received.get(row.event_id)).toBe(JSON.stringify(row.payload));
      }
      for (const event of written) expect(received.get(event.eventId)).toBe(JSON.stringify(event));
    } finally {
      await relay.stop();
      await consumer.stop();
      await bus.close();
    }
  }, 60_000);

  it('hears a commit that lands while it reads an empty outbox, rather than waiting out its idle time', async () => {
    const bus = new KafkajsMessageBus({ brokers: broker.brokers, clientId: 'relay-test' });
    const topic = `health-${randomUUID().slice(0, 8)}`;
    await bus.ensureTopics([{ name: topic, partitions: 1 }]);
    const received = new Set<string>();
    const consumer = await bus.consume({ groupId: `reader-${randomUUID()}`, topic }, async (messages) => {
      for (const m of messages) received.add(m.headers['rapport-event-id']);
    });
    // The relay's read of an empty outbox answers only after a projector's commit (rows, then its notification)
    // has come and gone: the read missed the rows, the notification came before the relay began to wait.
    let racing: Promise<string[]> | undefined;
    const racy = new Pool({ connectionString: database.url, max: 2 });
    racy.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => Promise<{ rows: unknown[] }>;
      (client as unknown as { query: (...args: unknown[]) => Promise<unknown> }).query = async (...args: unknown[]) => {
        const result = await query(...args);
        if (typeof args[0] === 'string' && args[0].startsWith('SELECT seq') && result.rows.length === 0 && !racing) {
          racing = addEvents(3).then(async (ids) => {
            await pool.query(`SELECT pg_notify('${OUTBOX_CHANNEL}', '')`);
            return ids;
          });
          await racing;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        return result;
      };
    });
    const relay = new OutboxRelay(racy, bus, topic, silent, { idleWaitMs: 120_000 });
    relay.start();
    try {
      for (let i = 0; i < 100 && (!racing || received.size < 3); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(racing).toBeDefined();
      expect([...received].sort()).toEqual((await racing!).sort());
    } finally {
      await relay.stop();
      await consumer.stop();
      await bus.close();
      await racy.end();
    }
  }, 60_000);
});
