import type { Server } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@rapport/event-store';
import { IngestAppModule } from '@rapport/ingest/ingest-app.module';
import { startTestApp, TEST_ADMIN_KEY, TestApp } from '../support/test-app';
import { waitUntil } from '../support/wait-until';

let app: TestApp;
let pool: Pool;
let seq = 0;

beforeAll(async () => {
  app = await startTestApp(IngestAppModule.forRoot, { label: 'ingest_e2e' });
  pool = new Pool({ connectionString: app.database.url, max: 2 });
});
afterAll(async () => {
  await pool.end();
  await app.close();
});

function envelope(accountId: string, type: string, data: Record<string, unknown>, eventId = `src-${++seq}`) {
  return { type, accountId, occurredAt: '2026-03-02T10:00:00Z', source: { system: 'crm', eventId }, data };
}
const opened = (accountId: string) => envelope(accountId, 'AccountOpened', { name: `Account ${accountId}`, segment: 'mid_market' });
const signed = (accountId: string, contractId = 'c-1') =>
  envelope(accountId, 'ContractSigned', {
    contractId,
    products: ['core'],
    arr: 12000,
    currency: 'EUR',
    startDate: '2026-01-01',
    endDate: '2027-01-01',
  });
const renewalOpened = (accountId: string, contractId: string) =>
  envelope(accountId, 'RenewalOpened', { renewalId: `r-${contractId}`, contractId, dueDate: '2027-01-01' });
const ticketOpened = (accountId: string, ticketId: string) => envelope(accountId, 'SupportTicketOpened', { ticketId, severity: 'high' });
const ticketResolved = (accountId: string, ticketId: string) => envelope(accountId, 'SupportTicketResolved', { ticketId });
const interaction = (accountId: string) =>
  envelope(accountId, 'InteractionLogged', { interactionId: `i-${seq}`, channel: 'call', direction: 'outbound' });

async function eventCount(): Promise<number> {
  const { rows } = await pool.query('SELECT count(*)::int AS n FROM rapport_events');
  return rows[0].n;
}

const post = (body: unknown) => app.http.post('/v1/events').send(body as object);
const postBatch = (body: unknown) => app.http.post('/v1/events/batch').send(body as object);

describe('POST /v1/events', () => {
  it('appends an event, answers its place in the log, and serves it back', async () => {
    const event = { ...opened('acme'), actor: 'jane@vendor.example' };
    const created = await post(event).expect(201);
    expect(created.body).toEqual({
      eventId: expect.any(String),
      accountId: 'acme',
      version: 0,
      globalPosition: expect.any(Number),
      duplicate: false,
    });

    const stored = await app.http.get(`/v1/events/${created.body.eventId}`).expect(200);
    expect(stored.body).toEqual({
      ...event,
      eventId: created.body.eventId,
      streamId: 'account-acme',
      version: 0,
      globalPosition: created.body.globalPosition,
      recordedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      schemaVersion: 1,
      // Who sent it: here the bootstrap admin key of the test app.
      recordedBy: 'bootstrap',
    });
  });

  it('answers a redelivery with the first result, 200 and duplicate:true, appending nothing', async () => {
    const event = opened('idem');
    const first = await post(event).expect(201);
    const before = await eventCount();
    const again = await post({ ...event, data: { name: 'changed in transit' } }).expect(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(await eventCount()).toBe(before);
  });

  it('answers redeliveries of facts no rule refuses as duplicates, and numbers the next fact after them', async () => {
    await post(opened('again')).expect(201);
    const call = interaction('again');
    const first = await post(call).expect(201);
    expect((await post(call).expect(200)).body).toEqual({ ...first.body, duplicate: true });
    const batch = await postBatch([interaction('again'), call]).expect(201);
    expect(batch.body).toMatchObject({ appended: 1, duplicates: 1 });
    expect(batch.body.results[1]).toEqual({ ...first.body, duplicate: true });
    const next = await post(interaction('again')).expect(201);
    expect(next.body.version).toBe(batch.body.results[0].version + 1);
    const { rows } = await pool.query("SELECT version FROM rapport_events WHERE stream_id = 'account-again' ORDER BY version");
    expect(rows.map((r) => r.version)).toEqual([0, 1, 2, 3]);
  });

  it('rejects an invalid envelope with every offending field, as problem+json, appending nothing', async () => {
    const before = await eventCount();
    const response = await post({
      type: 'ContractSigned',
      accountId: 'acme',
      occurredAt: 'yesterday',
      source: { system: 'crm' },
      data: { contractId: 'c', products: [], arr: 1.234, currency: 'EUR', startDate: '2026-01-01', endDate: '2025-01-01', colour: 'red' },
    }).expect(400);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ type: expect.stringContaining('invalid-event'), title: 'Invalid event', status: 400 });
    expect(response.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'data.arr',
      'data.colour',
      'data.endDate',
      'data.products',
      'occurredAt',
      'source.eventId',
    ]);
    expect(response.body.errors[0]).not.toHaveProperty('index');
    expect(await eventCount()).toBe(before);
  });

  it('answers 404 for an account never opened and 409 for a broken rule, appending nothing', async () => {
    const before = await eventCount();
    const notFound = await post(interaction('ghost')).expect(404);
    expect(notFound.body).toMatchObject({
      status: 404,
      title: 'Unknown account',
      errors: [{ field: 'accountId', code: 'account_not_found' }],
    });
    await post(opened('rules')).expect(201);
    const conflict = await post(
      envelope('rules', 'ContractAmended', { contractId: 'nope', arr: 5, effectiveDate: '2026-05-01', reason: 'upsell' }),
    ).expect(409);
    expect(conflict.body).toMatchObject({ status: 409, errors: [{ field: 'data.contractId', code: 'contract_unknown' }] });
    expect(conflict.body.detail).toContain('nope');
    expect(await eventCount()).toBe(before + 1);
  });

  it('answers malformed JSON and other media types with a problem', async () => {
    const malformed = await app.http.post('/v1/events').set('content-type', 'application/json').send('{"type":').expect(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(malformed.body).toMatchObject({ title: 'Bad request', status: 400, detail: expect.stringContaining('JSON') });
    await app.http.post('/v1/events').set('content-type', 'text/plain').send('hello').expect(415);
    await post([opened('array')]).expect(400);
  });

  it('lets 200 concurrent posts to one account all land, through two app instances, with versions without gaps', async () => {
    const second = await startTestApp(IngestAppModule.forRoot, { label: 'unused', database: app.database });
    try {
      await post(opened('busy')).expect(201);
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? app.http : second.http).post('/v1/events').send(interaction('busy'))),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(200).fill(201));
      expect(responses.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      const { rows } = await pool.query("SELECT version FROM rapport_events WHERE stream_id = 'account-busy' ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: 201 }, (_, i) => i));
    } finally {
      await second.close();
    }
  }, 60_000);

  it('folds a retraction of an account it holds, reading its stream whole', async () => {
    await post(opened('undo')).expect(201);
    const contract = await post(signed('undo', 'c-5')).expect(201);
    await post(envelope('undo', 'EventRetracted', { targetEventId: contract.body.eventId, reason: 'wrong account' })).expect(201);
    const refused = await post(
      envelope('undo', 'ContractAmended', { contractId: 'c-5', arr: 1, effectiveDate: '2026-05-01', reason: 'upsell' }),
    );
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ errors: [{ field: 'data.contractId', code: 'contract_unknown' }] });
  });

  it('decides on what another instance appended since: its contract, then its retraction of it', async () => {
    // The other instance keeps no streams (RAPPORT_INGEST_CACHE_EVENTS=0): it reads them whole at each write.
    const second = await startTestApp(IngestAppModule.forRoot, {
      label: 'unused',
      database: app.database,
      config: { RAPPORT_INGEST_CACHE_EVENTS: '0' },
    });
    const amend = (arr: number) =>
      envelope('relay', 'ContractAmended', { contractId: 'c-9', arr, effectiveDate: '2026-05-01', reason: 'upsell' });
    try {
      // This instance holds the stream after opening it; the other signs a contract behind its back.
      await post(opened('relay')).expect(201);
      const contract = await second.http.post('/v1/events').send(signed('relay', 'c-9')).expect(201);
      expect((await post(amend(15000)).expect(201)).body.version).toBe(2);
      await second.http
        .post('/v1/events')
        .send(envelope('relay', 'EventRetracted', { targetEventId: contract.body.eventId, reason: 'signed on the wrong account' }))
        .expect(201);
      const refused = await post(amend(16000)).expect(409);
      expect(refused.body).toMatchObject({ errors: [{ field: 'data.contractId', code: 'contract_unknown' }] });
    } finally {
      await second.close();
    }
  });
});

describe('a stream not held', () => {
  it('decides on the facts its rules depend on, numbers after its interactions, and retracts any of its events', async () => {
    // This instance keeps no streams: each command reads the facts its decisions depend on, not the interactions.
    const cold = await startTestApp(IngestAppModule.forRoot, {
      label: 'unused',
      database: app.database,
      config: { RAPPORT_INGEST_CACHE_EVENTS: '0' },
    });
    const talk = (contactIds?: string[]) =>
      envelope('long', 'InteractionLogged', { interactionId: `i-${seq}`, channel: 'call', direction: 'outbound', contactIds });
    try {
      await post(opened('long')).expect(201);
      await post(signed('long', 'c-1')).expect(201);
      await post(envelope('long', 'StakeholderIdentified', { contactId: 'dm', role: 'decision_maker' })).expect(201);
      await postBatch(Array.from({ length: 30 }, () => talk(['dm']))).expect(201);
      const lastTalk = await cold.http.post('/v1/events').send(talk()).expect(201);
      expect(lastTalk.body.version).toBe(33);

      const amend = envelope('long', 'ContractAmended', { contractId: 'c-1', arr: 15000, effectiveDate: '2026-05-01', reason: 'upsell' });
      expect((await cold.http.post('/v1/events').send(amend).expect(201)).body.version).toBe(34);
      const stranger = await cold.http
        .post('/v1/events')
        .send(talk(['ghost']))
        .expect(409);
      expect(stranger.body).toMatchObject({ errors: [{ field: 'data.contactIds', code: 'stakeholder_unknown' }] });

      // A retraction may name an interaction: its account is read whole.
      const retract = envelope('long', 'EventRetracted', { targetEventId: lastTalk.body.eventId, reason: 'logged twice' });
      expect((await cold.http.post('/v1/events').send(retract).expect(201)).body.version).toBe(35);
      const again = await cold.http
        .post('/v1/events')
        .send(envelope('long', 'EventRetracted', { targetEventId: lastTalk.body.eventId, reason: 'logged twice' }))
        .expect(409);
      expect(again.body).toMatchObject({ errors: [{ field: 'data.targetEventId', code: 'already_retracted' }] });
      expect((await post(talk(['dm'])).expect(201)).body.version).toBe(36);

      const { rows } = await pool.query("SELECT version FROM rapport_events WHERE stream_id = 'account-long' ORDER BY version");
      expect(rows.map((r) => r.version)).toEqual(Array.from({ length: 37 }, (_, i) => i));
    } finally {
      await cold.close();
    }
  });
});

describe('an account the command opens', () => {
  it('is appended without a read before the append, where this instance does not hold it', async () => {
    const store = app.app.get<EventStore>(EVENT_STORE);
    const reads = jest.spyOn(store, 'readForAppend');
    try {
      await post(opened('fresh-1')).expect(201);
      const batch = await postBatch([opened('fresh-2'), signed('fresh-2'), opened('fresh-3'), signed('fresh-1')]).expect(201);
      expect(batch.body.results.map((r: { version: number }) => r.version)).toEqual([0, 1, 0, 1]);
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  it('is decided on its stored stream when it has one after all: opened elsewhere, or a redelivery', async () => {
    // The other instance keeps no streams: every AccountOpened it takes is a guess that the account is new.
    const cold = await startTestApp(IngestAppModule.forRoot, {
      label: 'unused',
      database: app.database,
      config: { RAPPORT_INGEST_CACHE_EVENTS: '0' },
    });
    const reads = jest.spyOn(cold.app.get<EventStore>(EVENT_STORE), 'readForAppend');
    try {
      const first = opened('twice');
      const stored = await post(first).expect(201);
      const before = await eventCount();

      const again = await cold.http.post('/v1/events').send(opened('twice')).expect(409);
      expect(again.body).toMatchObject({ errors: [{ field: 'type', code: 'account_already_opened' }] });
      const redelivered = await cold.http.post('/v1/events').send(first).expect(200);
      expect(redelivered.body).toEqual({ ...stored.body, duplicate: true });
      const mixed = await cold.http
        .post('/v1/events/batch')
        .send([opened('twice-new'), opened('twice')])
        .expect(409);
      expect(mixed.body.errors).toEqual([expect.objectContaining({ index: 1, code: 'account_already_opened' })]);
      expect(await eventCount()).toBe(before);
      // Each guess missed, then the streams were read: once a command.
      expect(reads).toHaveBeenCalledTimes(3);

      const { rows } = await pool.query("SELECT count(*)::int AS n FROM rapport_events WHERE stream_id = 'account-twice-new'");
      expect(rows[0].n).toBe(0);
    } finally {
      reads.mockRestore();
      await cold.close();
    }
  });
});

/** Holds the log's write lock from outside until `release` (once, whatever the calls): the appends that reach it wait, in order. */
async function holdLog(): Promise<{ release(): Promise<void> }> {
  const blocker = new Client({ connectionString: app.database.url });
  await blocker.connect();
  await blocker.query('BEGIN; SELECT 1 FROM rapport_log_head FOR UPDATE');
  let released: Promise<void> | undefined;
  return {
    release: () => (released ??= blocker.query('COMMIT').then(() => blocker.end())),
  };
}
/** Until `n` transactions wait for the log's lock. */
const untilWaitingForLog = (n: number, what: string) =>
  waitUntil(async () => (await lockWaiters()) === n, what, { timeoutMs: 5_000, intervalMs: 10 });
const lockWaiters = async () =>
  (await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))
    .rows[0].n as number;

describe('commands on the same accounts', () => {
  /** This instance's `rapport_ingest_retries_total` by reason. */
  const retries = async () => {
    const { text } = await app.http.get('/metrics').expect(200);
    const count = (reason: string) =>
      Number(new RegExp(`^rapport_ingest_retries_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    return { conflict: count('conflict'), followed_failed: count('followed_failed') };
  };
  const versionsOf = async (accountId: string) =>
    (
      await pool.query<{ version: number; type: string; tx: string }>(
        'SELECT version, type, xmin::text AS tx FROM rapport_events WHERE stream_id = $1 ORDER BY version',
        [`account-${accountId}`],
      )
    ).rows;

  it('decides a command on the events of one still being written, and writes both in one transaction', async () => {
    const store = app.app.get<EventStore>(EVENT_STORE);
    await post(opened('queued')).expect(201);
    const log = await holdLog();
    const appends = jest.spyOn(store, 'append');
    try {
      // The first append takes the writer and waits for the lock; the next two queue behind it.
      const first = postBatch([opened('queued-other')]).then((r) => r);
      await untilWaitingForLog(1, 'the first append to wait for the log');
      const contract = postBatch([signed('queued', 'c-q'), interaction('queued')]).then((r) => r);
      await waitUntil(() => appends.mock.calls.length === 2, 'the contract to be queued', { intervalMs: 10 });
      // Decided on the contract not yet written: it is queued too, while the log is still held.
      const renewing = postBatch([renewalOpened('queued', 'c-q')]).then((r) => r);
      await waitUntil(() => appends.mock.calls.length === 3, 'the renewal to be queued before the contract is written', {
        timeoutMs: 5_000,
        intervalMs: 10,
      });
      expect(await lockWaiters()).toBe(1);
      await log.release();
      expect((await Promise.all([first, contract, renewing])).map((r) => r.status)).toEqual([201, 201, 201]);
      expect((await renewing).body.results[0]).toMatchObject({ version: 3, duplicate: false });
      const rows = await versionsOf('queued');
      expect(rows.map((r) => [r.version, r.type])).toEqual([
        [0, 'AccountOpened'],
        [1, 'ContractSigned'],
        [2, 'InteractionLogged'],
        [3, 'RenewalOpened'],
      ]);
      expect(new Set(rows.slice(1).map((r) => r.tx)).size).toBe(1);
    } finally {
      await log.release();
      appends.mockRestore();
    }
  }, 20_000);

  it('lands concurrent batches over the same accounts through two instances: streams gapless, each result where its event is', async () => {
    const second = await startTestApp(IngestAppModule.forRoot, { label: 'unused', database: app.database });
    try {
      const accounts = Array.from({ length: 8 }, (_, i) => `shared-${i}`);
      await postBatch(accounts.map(opened)).expect(201);
      // Both instances hold every stream: each decides on what it holds, and its appends fail where the other wrote first.
      await second.http.post('/v1/events/batch').send(accounts.map(interaction)).expect(201);
      // Each batch logs one numbered interaction an account, for every account: 20 batches, 10 through each instance.
      const batches = Array.from({ length: 20 }, (_, b) =>
        accounts.map((accountId) =>
          envelope(accountId, 'InteractionLogged', { interactionId: `b${b}`, channel: 'call', direction: 'outbound' }),
        ),
      );
      const responses = await Promise.all(
        batches.map((batch, b) => (b % 2 === 0 ? app.http : second.http).post('/v1/events/batch').send(batch)),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
      for (const accountId of accounts) {
        const rows = await versionsOf(accountId);
        expect(rows.map((r) => r.version)).toEqual(Array.from({ length: 22 }, (_, i) => i));
      }
      // Every batch's results name the versions stored for its events.
      const { rows } = await pool.query<{ stream_id: string; version: number; id: string }>(
        "SELECT stream_id, version, data->>'interactionId' AS id FROM rapport_events WHERE stream_id LIKE 'account-shared-%' AND version > 1",
      );
      const stored = new Map(rows.map((r) => [`${r.stream_id}/${r.version}`, r.id]));
      responses.forEach((response, b) =>
        response.body.results.forEach((result: { accountId: string; version: number }) =>
          expect(stored.get(`account-${result.accountId}/${result.version}`)).toBe(`b${b}`),
        ),
      );
    } finally {
      await second.close();
    }
  }, 60_000);

  it('refuses a command decided on one whose append failed, and decides it again on what is stored', async () => {
    // The other instance holds nothing: it reads, and its append waits for the log first. Waiters take the lock in
    // turn; a group that comes after them might not (PostgreSQL lets a newcomer lock the row before a woken waiter
    // has), so this instance's first append waits behind the other instance's, and the ticket comes after both.
    const other = await startTestApp(IngestAppModule.forRoot, { label: 'unused', database: app.database });
    const store = app.app.get<EventStore>(EVENT_STORE);
    await post(opened('lost')).expect(201);
    const retriesBefore = await retries();
    const log = await holdLog();
    const appends = jest.spyOn(store, 'append');
    try {
      const elsewhere = other.http
        .post('/v1/events')
        .send(interaction('lost'))
        .then((r) => r);
      await untilWaitingForLog(1, "the other instance's append to wait for the log");
      const first = postBatch([opened('lost-other')]).then((r) => r);
      await untilWaitingForLog(2, 'the first append here to wait for the log');
      // Decided on version 0, which the other instance's interaction takes first.
      const opening = post(ticketOpened('lost', 't-1')).then((r) => r);
      await waitUntil(() => appends.mock.calls.length === 2, 'the ticket to be queued', { intervalMs: 10 });
      // Decided on the ticket, expecting version 1: that holds by the other instance's event alone.
      const resolution = post(ticketResolved('lost', 't-1')).then((r) => r);
      await waitUntil(() => appends.mock.calls.length === 3, 'the resolution to be queued', { timeoutMs: 5_000, intervalMs: 10 });
      await log.release();
      expect((await first).status).toBe(201);
      expect((await elsewhere).status).toBe(201);
      expect((await opening).status).toBe(201);
      // Decided again after the ticket's own retry, or before it, and refused then: never stored on a ticket that was not.
      const resolved = await resolution;
      if (resolved.status !== 201) expect(resolved.body.errors).toEqual([expect.objectContaining({ code: 'ticket_unknown' })]);
      const rows = await versionsOf('lost');
      expect(rows.map((r) => r.version)).toEqual(rows.map((_, i) => i));
      const types = rows.map((r) => r.type);
      expect(types.slice(0, 3)).toEqual(['AccountOpened', 'InteractionLogged', 'SupportTicketOpened']);
      expect(types.slice(3)).toEqual(resolved.status === 201 ? ['SupportTicketResolved'] : []);
      // The ticket's append met the other instance's event; the resolution's followed it.
      const retriesAfter = await retries();
      expect(retriesAfter.conflict - retriesBefore.conflict).toBeGreaterThanOrEqual(1);
      expect(retriesAfter.followed_failed - retriesBefore.followed_failed).toBeGreaterThanOrEqual(1);
    } finally {
      await log.release();
      appends.mockRestore();
      await other.close();
    }
  }, 20_000);
});

describe('POST /v1/events/batch', () => {
  it('applies items in order across accounts, in one go, and reports results in input order', async () => {
    const items = [opened('b-1'), signed('b-1'), opened('b-2'), interaction('b-2'), signed('b-2')];
    const response = await postBatch(items).expect(201);
    expect(response.body.appended).toBe(5);
    expect(response.body.duplicates).toBe(0);
    expect(response.body.results.map((r: { accountId: string; version: number }) => [r.accountId, r.version])).toEqual([
      ['b-1', 0],
      ['b-1', 1],
      ['b-2', 0],
      ['b-2', 1],
      ['b-2', 2],
    ]);
    const positions = response.body.results.map((r: { globalPosition: number }) => r.globalPosition);
    expect(new Set(positions).size).toBe(5);
  });

  it('counts duplicates, from earlier deliveries and within the batch', async () => {
    const first = opened('b-dup');
    await post(first).expect(201);
    const repeated = interaction('b-dup');
    const response = await postBatch([first, repeated, repeated]).expect(201);
    expect(response.body).toMatchObject({ appended: 1, duplicates: 2 });
    expect(response.body.results.map((r: { duplicate: boolean }) => r.duplicate)).toEqual([true, false, true]);
    expect(response.body.results[2].eventId).toBe(response.body.results[1].eventId);
  });

  it('answers with the counts alone under Prefer: return=minimal, and stores the same', async () => {
    const before = await eventCount();
    const first = opened('b-min');
    await post(first).expect(201);
    const response = await postBatch([first, signed('b-min'), interaction('b-min')])
      .set('prefer', 'respond-async, return=minimal')
      .expect(201);
    expect(response.headers['preference-applied']).toBe('return=minimal');
    expect(response.body).toEqual({ appended: 2, duplicates: 1 });
    expect(await eventCount()).toBe(before + 3);
    const full = await postBatch([interaction('b-min')])
      .set('prefer', 'return=representation')
      .expect(201);
    expect(full.headers['preference-applied']).toBeUndefined();
    expect(full.body.results).toHaveLength(1);
  });

  it('accepts NDJSON', async () => {
    const body = [opened('nd-1'), signed('nd-1')].map((e) => JSON.stringify(e)).join('\n') + '\n\n';
    const response = await app.http.post('/v1/events/batch').set('content-type', 'application/x-ndjson').send(body).expect(201);
    expect(response.body.appended).toBe(2);
  });

  it('validates the whole batch first: one bad item names its index and nothing is appended', async () => {
    const before = await eventCount();
    const response = await postBatch([
      opened('v-1'),
      signed('v-1'),
      { ...interaction('v-1'), type: 'Nope' },
      envelope('v-1', 'UsageReported', { product: 'core', activeUsers: 1, licensedUsers: 0 }),
    ]).expect(400);
    expect(response.body.errors).toEqual([
      { index: 2, field: 'type', message: expect.stringContaining('must be one of') },
      { index: 3, field: 'data.licensedUsers', message: 'must be an integer ≥ 1' },
    ]);
    expect(await eventCount()).toBe(before);
  });

  it('appends nothing when an item breaks a rule, naming its index', async () => {
    const before = await eventCount();
    const response = await postBatch([opened('r-1'), signed('r-1'), signed('r-1'), interaction('r-unknown')]).expect(409);
    expect(response.body.errors).toEqual([
      expect.objectContaining({ index: 2, code: 'contract_exists' }),
      expect.objectContaining({ index: 3, code: 'account_not_found' }),
    ]);
    expect(await eventCount()).toBe(before);
  });

  it('refuses more than 10,000 items with 413, an empty batch, a non-array, bad NDJSON lines', async () => {
    const before = await eventCount();
    const tooMany = Array.from({ length: 10_001 }, () => ({}));
    const large = await postBatch(tooMany).expect(413);
    expect(large.headers['content-type']).toMatch(/problem\+json/);
    expect(large.body.detail).toBe('a batch holds at most 10000 envelopes, this one 10001: split it');
    // Past 10,000 elements the rest is only counted: a malformed element there does not turn the 413 into a 400.
    const tooManyElements = await app.http
      .post('/v1/events/batch')
      .set('content-type', 'application/json')
      .send(`[${Array.from({ length: 10_002 }, (_, i) => JSON.stringify(opened(`js-many-${i}`))).join(',')},{"oops":}]`)
      .expect(413);
    expect(tooManyElements.body.detail).toBe('a batch holds at most 10000 envelopes, this one 10003: split it');
    const malformedElement = await app.http
      .post('/v1/events/batch')
      .set('content-type', 'application/json')
      .send(`[${JSON.stringify(opened('js-bad'))},{"oops":}]`)
      .expect(400);
    expect(malformedElement.body).toMatchObject({ status: 400, detail: expect.stringContaining('not valid JSON') });
    await postBatch([]).expect(400);
    await postBatch({ not: 'an array' }).expect(400);
    const ndjson = await app.http
      .post('/v1/events/batch')
      .set('content-type', 'application/x-ndjson')
      .send(`${JSON.stringify(opened('nd-bad'))}\n{oops\n`)
      .expect(400);
    expect(ndjson.body.errors).toEqual([{ index: 1, field: '', message: expect.stringContaining('is not valid JSON') }]);
    // Past 10,000 lines the rest is not parsed: a bad line there does not turn the 413 into a 400.
    const tooManyLines = await app.http
      .post('/v1/events/batch')
      .set('content-type', 'application/x-ndjson')
      .send(`${Array.from({ length: 10_002 }, (_, i) => JSON.stringify(opened(`nd-many-${i}`))).join('\n')}\n{oops\n`)
      .expect(413);
    expect(tooManyLines.headers['content-type']).toMatch(/problem\+json/);
    expect(tooManyLines.body.detail).toBe('a batch holds at most 10000 envelopes, this one more: split it');
    expect(await eventCount()).toBe(before);
  });

  it.each([
    ['application/x-ndjson', 'nd-piece', (items: object[]) => items.map((e) => JSON.stringify(e)).join('\n')],
    ['application/json', 'js-piece', (items: object[]) => JSON.stringify(items)],
  ])('reads a %s batch sent in pieces, a character cut between two of them', async (contentType, account, encode) => {
    const server = app.server as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const named = envelope(account, 'AccountOpened', { name: 'Zürich Café — 東京' });
    const body = Buffer.from(encode([named, signed(account)]));
    const cut = body.indexOf(Buffer.from('東')) + 1;
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/v1/events/batch',
          method: 'POST',
          headers: { 'content-type': contentType, 'content-length': body.length, authorization: `Bearer ${TEST_ADMIN_KEY}` },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      request.on('error', reject);
      request.write(body.subarray(0, cut));
      setTimeout(() => request.end(body.subarray(cut)), 50);
    });
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ appended: 2 });
    const { rows } = await pool.query("SELECT data->>'name' AS name FROM rapport_events WHERE stream_id = $1 AND version = 0", [
      `account-${account}`,
    ]);
    expect(rows).toEqual([{ name: 'Zürich Café — 東京' }]);
  });
});

describe('shutdown', () => {
  it('finishes the command in hand, even when its client has gone, before closing the pool', async () => {
    const other = await startTestApp(IngestAppModule.forRoot, { label: 'unused', database: app.database });
    await other.app.listen(0, '127.0.0.1');
    const { port } = other.server.address() as { port: number };
    const items = Array.from({ length: 500 }, (_, i) => [opened(`shut-${i}`), signed(`shut-${i}`), interaction(`shut-${i}`)]).flat();
    const before = await eventCount();
    const client = new AbortController();
    // The command stays in hand, its append waiting for the log, until the client has gone and the close has begun.
    const log = await holdLog();
    try {
      const inFlight = fetch(`http://127.0.0.1:${port}/v1/events/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
        body: JSON.stringify(items),
        signal: client.signal,
      }).catch((error: Error) => error.name);
      await untilWaitingForLog(1, 'the batch to wait for the log');
      client.abort();
      expect(await inFlight).toBe('AbortError');
      const closing = other.close();
      await log.release();
      await closing;
    } finally {
      await log.release();
    }
    expect(await eventCount()).toBe(before + 1500);
  }, 30_000);
});

describe('GET /v1/events/:eventId', () => {
  it('answers 400 for what is not a UUID and 404 for an unknown event', async () => {
    await app.http.get('/v1/events/not-a-uuid').expect(400);
    const missing = await app.http.get('/v1/events/00000000-0000-4000-8000-000000000000').expect(404);
    expect(missing.body).toMatchObject({ status: 404, title: 'Event not found' });
  });
});

describe('health', () => {
  it('is live and ready with its database', async () => {
    await app.http.get('/health/live').expect(200);
    const ready = await app.http.get('/health/ready').expect(200);
    expect(ready.body.info.postgres.status).toBe('up');
  });
});
