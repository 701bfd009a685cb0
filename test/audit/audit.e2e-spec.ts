import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { runCli } from '../support/cli';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'rapport-audit-'));

const rapport = (args: string[], env: Record<string, string> = {}) => runCli(url, args, env);

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function post(target: TestApp, envelopes: unknown[]): Promise<{ position: number; eventIds: string[] }> {
  const response = await target.http.post('/v1/events/batch').send(envelopes).expect(201);
  const results = response.body.results as Array<{ globalPosition: number; eventId: string }>;
  return { position: Math.max(...results.map((r) => r.globalPosition)), eventIds: results.map((r) => r.eventId) };
}

let n = 0;
const envelope = (accountId: string, occurredAt: string, type: string, data: unknown) => ({
  type,
  accountId,
  occurredAt,
  source: { system: 'crm', eventId: `audit-${++n}` },
  data,
});

/** Acme: opened, a contract, a steady cadence of good meetings through the autumn. */
function acme() {
  return [
    envelope('acme', '2026-09-01T09:00:00Z', 'AccountOpened', { name: 'Acme', segment: 'enterprise', ownerId: 'jane' }),
    envelope('acme', '2026-09-02T09:00:00Z', 'ContractSigned', {
      contractId: 'c1',
      products: ['core'],
      arr: 120_000,
      currency: 'EUR',
      startDate: '2026-09-02',
      endDate: '2027-09-02',
    }),
    ...[5, 15, 25, 35, 45, 55].map((d) =>
      envelope('acme', new Date(Date.UTC(2026, 8, 1 + d, 10)).toISOString(), 'InteractionLogged', {
        interactionId: `m-${d}`,
        channel: 'meeting',
        direction: 'outbound',
        sentiment: 0.6,
      }),
    ),
  ];
}

let t1: string;
let t2: string;
let ticketId: string;
let retractionId: string;
let head: number;

beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'audit' });
  await app.app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
  await post(app, acme());
  await post(app, [envelope('globex', '2026-09-03T09:00:00Z', 'AccountOpened', { name: 'Globex', segment: 'smb', ownerId: 'joe' })]);
  await pause(30);
  t1 = new Date().toISOString();
  await pause(30);
  // Recorded late: an urgent ticket that happened on 1 November, entered after t1.
  const late = await post(app, [envelope('acme', '2026-11-01T08:00:00Z', 'SupportTicketOpened', { ticketId: 't-1', severity: 'urgent' })]);
  ticketId = late.eventIds[0];
  await pause(30);
  t2 = new Date().toISOString();
  await pause(30);
  const retraction = await post(app, [
    envelope('acme', '2026-11-02T08:00:00Z', 'EventRetracted', { targetEventId: ticketId, reason: 'filed on the wrong account' }),
  ]);
  retractionId = retraction.eventIds[0];
  head = retraction.position;
  await app.http.get(`/v1/accounts/acme?minPosition=${head}`).expect(200);
}, 60_000);
afterAll(() => app.close());

/** `work` against an instance of its own, listening, closed after: this suite's log stays as the other tests count it. */
async function onItsOwnInstance(label: string, work: (target: TestApp, env: { RAPPORT_URL: string }) => Promise<void>): Promise<void> {
  const target = await startTestApp(StandaloneAppModule.forRoot, { label });
  try {
    await target.app.listen(0, '127.0.0.1');
    await work(target, { RAPPORT_URL: `http://127.0.0.1:${(target.app.getHttpServer().address() as AddressInfo).port}` });
  } finally {
    await target.close();
  }
}

describe('knowledge time (asOf)', () => {
  const supportOf = (body: { components: Array<{ name: string; score: number | null; hasData: boolean }> }) =>
    body.components.find((c) => c.name === 'support')!;

  it('sees a late-recorded event only from when it was recorded, and a late retraction likewise', async () => {
    const at = '2026-11-10T00:00:00Z';
    const before = (await app.http.get(`/v1/accounts/acme/health?at=${at}&asOf=${t1}`).expect(200)).body;
    const between = (await app.http.get(`/v1/accounts/acme/health?at=${at}&asOf=${t2}`).expect(200)).body;
    const after = (await app.http.get(`/v1/accounts/acme/health?at=${at}&asOf=${encodeURIComponent(new Date().toISOString())}`).expect(200))
      .body;
    expect(supportOf(before).hasData).toBe(false);
    expect(supportOf(between).hasData).toBe(true);
    expect(supportOf(between).score).toBeLessThan(100);
    expect(supportOf(after).hasData).toBe(false);
    expect(between.score).toBeLessThan(before.score);
    expect(after.score).toBe(before.score);
    expect(before).toEqual(expect.objectContaining({ asOf: t1, evaluatedAt: '2026-11-10T00:00:00.000Z', asOfPosition: head - 2 }));
    expect(between.asOfPosition).toBe(head - 1);
  });

  it('takes a global position as asOf, echoes it, and defaults valid time to when that position was recorded', async () => {
    const byPosition = (await app.http.get(`/v1/accounts/acme/health?asOf=${head - 1}`).expect(200)).body;
    expect(byPosition).toEqual(expect.objectContaining({ asOf: head - 1, asOfPosition: head - 1 }));
    expect(supportOf(byPosition).hasData).toBe(true);
    const timeline = (await app.http.get(`/v1/accounts/acme/timeline?asOf=${t2}`).expect(200)).body;
    expect(timeline.events.map((e: { eventId: string }) => e.eventId)).toContain(ticketId);
    expect(timeline.events.map((e: { eventId: string }) => e.eventId)).not.toContain(retractionId);
    expect(timeline.events[0].recordedBy).toBe('bootstrap');
    const profile = (await app.http.get(`/v1/accounts/acme?asOf=${t1}`).expect(200)).body;
    expect(profile).toEqual(expect.objectContaining({ accountId: 'acme', arr: { EUR: 120000 }, asOf: t1, asOfPosition: head - 2 }));
  });

  it('answers the portfolio routes as known then', async () => {
    const then = (await app.http.get(`/v1/portfolio/health?asOf=${t2}&at=2026-11-10T00:00:00Z`).expect(200)).body;
    const now = (
      await app.http.get(`/v1/portfolio/health?asOf=${encodeURIComponent(new Date().toISOString())}&at=2026-11-10T00:00:00Z`).expect(200)
    ).body;
    const acmeIn = (body: { items: Array<{ accountId: string; score: number }> }) => body.items.find((i) => i.accountId === 'acme')!;
    expect(acmeIn(then).score).toBeLessThan(acmeIn(now).score);
    expect(then).toEqual(expect.objectContaining({ asOf: t2, asOfPosition: head - 1 }));
    const churn = (await app.http.get(`/v1/portfolio/churn-risk?asOf=${t2}`).expect(200)).body;
    expect(churn.items.map((i: { accountId: string }) => i.accountId).sort()).toEqual(['acme', 'globex']);
    const metricsNow = (await app.http.get('/v1/portfolio/metrics?from=2026-09-10&to=2026-11-01').expect(200)).body;
    const metricsAsOf = (await app.http.get(`/v1/portfolio/metrics?from=2026-09-10&to=2026-11-01&asOf=${head}`).expect(200)).body;
    expect({ ...metricsAsOf, asOf: null, asOfPosition: 0 }).toEqual({ ...metricsNow, asOf: null, asOfPosition: 0 });
    expect(metricsAsOf.currencies[0]).toEqual(expect.objectContaining({ currency: 'EUR', endingArr: 120000 }));
    const beforeContract = (await app.http.get(`/v1/portfolio/metrics?from=2026-09-10&to=2026-11-01&asOf=1`).expect(200)).body;
    expect(beforeContract.currencies).toEqual([]);
  });

  it('refuses an asOf in the future, beyond the head, or malformed, naming it', async () => {
    const future = await app.http.get('/v1/accounts/acme/health?asOf=2999-01-01T00:00:00Z').expect(400);
    expect(future.body.errors).toEqual([{ field: 'asOf', message: 'must not be in the future' }]);
    const beyond = await app.http.get(`/v1/portfolio/health?asOf=${head + 1000}`).expect(400);
    expect(beyond.body.errors[0].field).toBe('asOf');
    const garbage = await app.http.get('/v1/accounts/acme/health?asOf=yesterday').expect(400);
    expect(garbage.body.errors[0]).toEqual(expect.objectContaining({ field: 'asOf' }));
    await app.http.get(`/v1/accounts/globex/health?asOf=1`).expect(404);
  });
});

describe('GET /v1/accounts/{id}/health/changes', () => {
  it('names the event that entered between the points and the component it moved, and its retraction', async () => {
    const entered = (await app.http.get(`/v1/accounts/acme/health/changes?from=${t1}&to=${t2}`).expect(200)).body;
    expect(entered.from).toEqual(expect.objectContaining({ at: t1, asOfPosition: head - 2 }));
    expect(entered.to).toEqual(expect.objectContaining({ at: t2, asOfPosition: head - 1 }));
    expect(entered.causes).toEqual([
      expect.objectContaining({
        change: 'entered',
        eventId: ticketId,
        type: 'SupportTicketOpened',
        occurredAt: '2026-11-01T08:00:00Z',
        recordedBy: 'bootstrap',
        source: { system: 'crm', eventId: expect.any(String) },
      }),
    ]);
    const support = entered.components.find((c: { name: string }) => c.name === 'support');
    expect(support.causes).toEqual([{ eventId: ticketId, change: 'entered', impact: null }]);
    expect(entered.delta).toBeLessThan(0);

    const retracted = (await app.http.get(`/v1/accounts/acme/health/changes?from=${t2}`).expect(200)).body;
    expect(retracted.causes).toEqual([
      expect.objectContaining({ change: 'retracted', eventId: ticketId, retractedBy: expect.objectContaining({ eventId: retractionId }) }),
    ]);
    expect(retracted.delta).toBeGreaterThan(0);

    // Both points as known at one asOf (a history chart drawn then): valid time alone moves, here through the ticket.
    const chart = (
      await app.http.get(`/v1/accounts/acme/health/changes?from=2026-10-27T00:00:00Z&to=2026-11-10T00:00:00Z&asOf=${t2}`).expect(200)
    ).body;
    expect(chart.asOf).toBe(t2);
    expect([chart.from.asOfPosition, chart.to.asOfPosition]).toEqual([head - 1, head - 1]);
    expect(chart.causes.map((c: { eventId: string; change: string }) => [c.eventId, c.change])).toEqual([[ticketId, 'entered']]);
  });

  it('refuses points in the wrong order or in the future, naming them', async () => {
    const reversed = await app.http.get(`/v1/accounts/acme/health/changes?from=${t2}&to=${t1}`).expect(400);
    expect(reversed.body.errors).toEqual([{ field: 'from', message: 'must be before to' }]);
    const future = await app.http.get(`/v1/accounts/acme/health/changes?from=${t1}&to=2999-01-01T00:00:00Z`).expect(400);
    expect(future.body.errors).toEqual([{ field: 'to', message: 'must not be in the future' }]);
    await app.http.get('/v1/accounts/acme/health/changes').expect(400);
  });
});

describe('tamper evidence, export and import', () => {
  it('exports, imports into a fresh instance with the same figures, verifies, and resumes nothing twice', async () => {
    const exported = join(dir, 'export.ndjson');
    const exportRun = await rapport(['export', '--out', exported]);
    expect([exportRun.code, exportRun.stderr]).toEqual([0, '']);
    const lines = readFileSync(exported, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(head);
    expect(lines[0]).toEqual(
      expect.objectContaining({ globalPosition: 1, prevHash: '0'.repeat(64), hash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    );
    expect((lines[0].metadata as { recordedBy: string }).recordedBy).toBe('bootstrap');
    expect(await rapport(['verify', '--file', exported])).toEqual(
      expect.objectContaining({ code: 0, stdout: expect.stringContaining(`intact: ${head} events`) }),
    );

    const accountOnly = await app.http.get('/v1/export?accountId=globex').expect(200);
    expect(accountOnly.headers['content-type']).toMatch(/application\/x-ndjson/);
    expect(accountOnly.text.trim().split('\n')).toHaveLength(1);

    const fresh = await startTestApp(StandaloneAppModule.forRoot, { label: 'audit_fresh' });
    try {
      await fresh.app.listen(0, '127.0.0.1');
      const freshUrl = `http://127.0.0.1:${(fresh.app.getHttpServer().address() as AddressInfo).port}`;
      const first = await rapport(['import', exported, '--batch-size', '3'], { RAPPORT_URL: freshUrl });
      expect([first.code, first.stdout]).toEqual([
        0,
        expect.stringContaining(`imported ${head} lines: ${head} appended, 0 already stored`),
      ]);
      const again = await rapport(['import', exported], { RAPPORT_URL: freshUrl });
      expect(again.stdout).toContain(`${head} lines: 0 appended, ${head} already stored`);
      // A run cut off after its first two lines had been acknowledged resumes after them.
      const firstTwo = readFileSync(exported, 'utf8').split('\n').slice(0, 2).join('\n').length + 1;
      writeFileSync(`${exported}.rapport-import`, JSON.stringify({ file: exported, size: 0, lines: 2, bytes: firstTwo }));
      const resumed = await rapport(['import', exported], { RAPPORT_URL: freshUrl });
      expect(resumed.stdout).toContain(`0 appended, ${head - 2} already stored (resumed after line 2)`);
      expect(existsSync(`${exported}.rapport-import`)).toBe(false);
      await fresh.http.get(`/v1/accounts/acme?minPosition=${head}`).expect(200);
      for (const at of ['2026-10-15T00:00:00Z', '2026-11-10T00:00:00Z']) {
        const original = (await app.http.get(`/v1/accounts/acme/health?at=${at}`).expect(200)).body;
        const copy = (await fresh.http.get(`/v1/accounts/acme/health?at=${at}`).expect(200)).body;
        expect(copy.components).toEqual(original.components);
        expect(copy.score).toBe(original.score);
      }
      const metrics = '/v1/portfolio/metrics?from=2026-09-10&to=2026-11-01';
      expect((await fresh.http.get(metrics).expect(200)).body.currencies).toEqual(
        (await app.http.get(metrics).expect(200)).body.currencies,
      );
      expect((await rapport(['verify'], { RAPPORT_URL: freshUrl })).code).toBe(0);
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('names the line of bad input and exits non-zero, storing nothing of its batch', async () => {
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, `${JSON.stringify(envelope('initech', '2026-10-01T00:00:00Z', 'AccountOpened', { name: 'Initech' }))}\n{not json\n`);
    const run = await rapport(['import', bad, '--restart']);
    expect([run.code, run.stderr]).toEqual([1, expect.stringContaining('line 2: not JSON')]);
    // A line whose account id the CLI reads without parsing it is sent as it is: the API names it, and stores
    // nothing of its batch.
    const cut = join(dir, 'cut.ndjson');
    writeFileSync(
      cut,
      `${JSON.stringify(envelope('initech', '2026-10-01T00:00:00Z', 'AccountOpened', { name: 'Initech' }))}\n{"accountId":"initech","type":\n`,
    );
    const cutRun = await rapport(['import', cut, '--restart']);
    expect([cutRun.code, cutRun.stderr]).toEqual([
      1,
      expect.stringMatching(/line 2: \(body\): is not valid JSON[^]*nothing of lines 1–2 was stored/),
    ]);
    const invalid = join(dir, 'invalid.ndjson');
    writeFileSync(invalid, `${JSON.stringify(envelope('initech', 'yesterday', 'AccountOpened', { name: 'Initech' }))}\n`);
    const refused = await rapport(['import', invalid]);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/line 1: occurredAt/)]);
    await app.http.get('/v1/accounts/initech').expect(404);
  }, 30_000);

  it('keeps where a CRLF file stopped at a line start, and resumes there', async () => {
    const crlf = join(dir, 'crlf.ndjson');
    const lines = ['crlf-a', 'crlf-b', 'crlf-c'].map((id) => envelope(id, '2026-10-01T00:00:00Z', 'AccountOpened', { name: id }));
    // The third line is invalid: the first two are acknowledged, and the import stops before it.
    const text = (third: object) => [lines[0], lines[1], third].map((l) => JSON.stringify(l)).join('\r\n') + '\r\n';
    writeFileSync(crlf, text({ ...lines[2], occurredAt: 'tomorrow' }));
    await onItsOwnInstance('audit_crlf', async (target, env) => {
      const failed = await rapport(['import', crlf, '--batch-size', '1', '--concurrency', '1'], env);
      expect([failed.code, failed.stderr]).toEqual([1, expect.stringContaining('line 3: occurredAt')]);
      const kept = JSON.parse(readFileSync(`${crlf}.rapport-import`, 'utf8')) as { lines: number; bytes: number };
      expect(kept).toEqual(
        expect.objectContaining({ lines: 2, bytes: Buffer.byteLength(text(lines[2]).split('\r\n').slice(0, 2).join('\r\n') + '\r\n') }),
      );
      writeFileSync(crlf, text(lines[2]));
      const resumed = await rapport(['import', crlf, '--batch-size', '1', '--concurrency', '1'], env);
      expect([resumed.code, resumed.stdout]).toEqual([0, expect.stringContaining('1 appended, 0 already stored (resumed after line 2)')]);
      await target.http.get('/v1/accounts/crlf-c').expect(200);
    });
  }, 30_000);

  it('imports in lanes, each account in file order, and resumes before the oldest envelope not acknowledged', async () => {
    const lanes = join(dir, 'lanes.ndjson');
    const accounts = ['lane-a', 'lane-b', 'lane-c', 'lane-d', 'lane-e'];
    const lines = accounts.map((id) => envelope(id, '2026-10-01T00:00:00Z', 'AccountOpened', { name: id }));
    // Each account's interactions in order; the 13th line of the file (lane-c's second interaction) is invalid.
    for (let i = 0; i < 6; i++) {
      for (const id of accounts) {
        const at = new Date(Date.UTC(2026, 9, 2 + i)).toISOString();
        lines.push(envelope(id, at, 'InteractionLogged', { interactionId: `${id}-${i}`, channel: 'call', direction: 'inbound' }));
      }
    }
    const bad = { ...lines[12], occurredAt: 'tomorrow' };
    writeFileSync(lanes, [...lines.slice(0, 12), bad, ...lines.slice(13)].map((l) => JSON.stringify(l)).join('\n') + '\n');
    await onItsOwnInstance('audit_lanes', async (target, env) => {
      const failed = await rapport(['import', lanes, '--batch-size', '2', '--concurrency', '3'], env);
      expect([failed.code, failed.stderr]).toEqual([1, expect.stringContaining('line 13: occurredAt')]);
      const kept = JSON.parse(readFileSync(`${lanes}.rapport-import`, 'utf8')) as { lines: number; bytes: number };
      expect(kept.lines).toBeLessThan(13);
      expect(readFileSync(lanes).subarray(0, kept.bytes).toString().split('\n').length - 1).toBe(kept.lines);
      // Fixed, the run resumes there: what was stored meanwhile is recognised, and every account ends complete.
      writeFileSync(lanes, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const resumed = await rapport(['import', lanes, '--batch-size', '2', '--concurrency', '3'], env);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain(`(resumed after line ${kept.lines})`);
      for (const id of accounts) {
        const timeline = (await target.http.get(`/v1/accounts/${id}/timeline?limit=50`).expect(200)).body;
        expect(timeline.events.map((e: { type: string }) => e.type)).toEqual(['AccountOpened', ...Array(6).fill('InteractionLogged')]);
      }
    });
  }, 60_000);

  it('finds an edited event in the log and in an export, and names it', async () => {
    const exported = join(dir, 'edited.ndjson');
    await rapport(['export', '--out', exported]);
    const lines = readFileSync(exported, 'utf8').trim().split('\n');
    const edited = JSON.parse(lines[2]) as { data: { sentiment?: number }; eventId: string };
    edited.data.sentiment = -1;
    lines[2] = JSON.stringify(edited);
    writeFileSync(exported, `${lines.join('\n')}\n`);
    const offline = await rapport(['verify', '--file', exported]);
    expect([offline.code, offline.stdout]).toEqual([1, expect.stringContaining(`BROKEN at position 3 (event ${edited.eventId})`)]);

    expect((await app.http.get('/v1/audit/verify').expect(200)).body).toEqual(expect.objectContaining({ ok: true, events: head }));
    const pool = new Pool({ connectionString: app.database.url, max: 1 });
    try {
      await pool.query(`BEGIN;
        ALTER TABLE rapport_events DISABLE TRIGGER rapport_events_append_only;
        UPDATE rapport_events SET data = jsonb_set(data, '{sentiment}', '-1') WHERE global_position = 3;
        ALTER TABLE rapport_events ENABLE TRIGGER rapport_events_append_only;
        COMMIT`);
    } finally {
      await pool.end();
    }
    const verdict = (await app.http.get('/v1/audit/verify').expect(200)).body;
    expect(verdict).toEqual(
      expect.objectContaining({ ok: false, events: 2, firstBroken: expect.objectContaining({ position: 3, eventId: edited.eventId }) }),
    );
    const cli = await rapport(['verify']);
    expect([cli.code, cli.stdout]).toEqual([1, expect.stringContaining(`BROKEN at position 3 (event ${edited.eventId})`)]);
    const readKey = (
      await app.http
        .post('/v1/keys')
        .send({ name: 'reader', scopes: ['read'] })
        .expect(201)
    ).body.key as string;
    expect((await rapport(['verify'], { RAPPORT_KEY: readKey })).stderr).toContain('403');
  }, 30_000);
});
