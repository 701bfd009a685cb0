import { AccountStreamEvent, accountHealth, DEFAULT_SCORING_CONFIG, foldAccount } from '@rapport/domain';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { startTestApp, TestApp } from '../support/test-app';

const NOW = new Date('2026-11-22T10:00:00Z');
const END_OF_DAY = new Date('2026-11-22T23:59:59.999Z');
let app: TestApp;
let seq = 0;

type Fact = { type: string; accountId: string; occurredAt: string; data: Record<string, unknown> };
const fact = (accountId: string, occurredAt: string, type: string, data: Record<string, unknown>): Fact => ({
  type,
  accountId,
  occurredAt: `${occurredAt}T12:00:00Z`,
  data,
});
const envelope = (f: Fact) => ({ ...f, source: { system: 'e2e', eventId: `e-${++seq}` } });

/** Posts facts as one batch and returns the last global position, for ?minPosition= reads. */
async function post(facts: Fact[]): Promise<{ position: number; eventIds: string[] }> {
  const response = await app.http.post('/v1/events/batch').send(facts.map(envelope)).expect(201);
  const results = response.body.results as Array<{ globalPosition: number; eventId: string }>;
  return { position: Math.max(...results.map((r) => r.globalPosition)), eventIds: results.map((r) => r.eventId) };
}

const get = (path: string) => app.http.get(path);

// scoring.md's example over [2026-01-01, 2026-07-01): A 500 → 450, B 300 → 400, C 200 → 0; D in USD, flat.
const opened = (id: string, ownerId: string) =>
  fact(id, '2025-01-01', 'AccountOpened', { name: id.toUpperCase(), segment: 'mid_market', ownerId });
const signed = (id: string, arr: number, startDate: string, endDate: string, currency = 'EUR') =>
  fact(id, startDate, 'ContractSigned', { contractId: `${id}-1`, products: ['core'], arr, currency, startDate, endDate });
const portfolio: Fact[] = [
  opened('a', 'jane'),
  signed('a', 500, '2025-06-01', '2027-06-01'),
  fact('a', '2026-03-15', 'ContractAmended', { contractId: 'a-1', arr: 450, effectiveDate: '2026-03-15', reason: 'downgrade' }),
  opened('b', 'jane'),
  signed('b', 300, '2025-09-01', '2027-09-01'),
  fact('b', '2026-04-01', 'ContractAmended', { contractId: 'b-1', arr: 400, effectiveDate: '2026-04-01', reason: 'upsell' }),
  opened('c', 'omar'),
  signed('c', 200, '2025-07-01', '2026-07-01'),
  fact('c', '2026-05-01', 'RenewalOpened', { renewalId: 'r', contractId: 'c-1', dueDate: '2026-06-01' }),
  fact('c', '2026-06-10', 'RenewalLost', { renewalId: 'r', contractId: 'c-1', reason: 'competitor' }),
  opened('d', 'omar'),
  signed('d', 1000, '2025-01-01', '2028-01-01', 'USD'),
  fact('d', '2026-11-01', 'InteractionLogged', { interactionId: 'i', channel: 'call', direction: 'outbound', sentiment: 0.5 }),
  fact('d', '2026-11-02', 'UsageReported', { product: 'core', activeUsers: 95, licensedUsers: 100 }),
];

let last = 0;
let upsellId = '';

beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'standalone_e2e', clock: () => NOW });
  const posted = await post(portfolio);
  last = posted.position;
  upsellId = posted.eventIds[portfolio.findIndex((f) => f.accountId === 'b' && f.type === 'ContractAmended')];
});
afterAll(() => app.close());

describe('the standalone app: post events, then read their effect', () => {
  it("computes scoring.md's GRR/NRR example over HTTP", async () => {
    const response = await get(`/v1/portfolio/metrics?from=2026-01-01&to=2026-07-01&minPosition=${last}`).expect(200);
    expect(response.body.asOfPosition).toBeGreaterThanOrEqual(last);
    expect(response.body.currencies).toEqual([
      {
        currency: 'EUR',
        cohortSize: 3,
        startingArr: 1000,
        endingArr: 850,
        grr: 0.75,
        nrr: 0.85,
        churnedArr: 200,
        contractionArr: 50,
        expansionArr: 100,
        logoChurnRate: 0.3333,
        churnedAccounts: 1,
      },
      {
        currency: 'USD',
        cohortSize: 1,
        startingArr: 1000,
        endingArr: 1000,
        grr: 1,
        nrr: 1,
        churnedArr: 0,
        contractionArr: 0,
        expansionArr: 0,
        logoChurnRate: 0,
        churnedAccounts: 0,
      },
    ]);
    expect(response.body.renewals).toEqual({ won: 0, lost: 1, rate: 0 });
  });

  it("answers an account's health as the domain computes it, now and at a past instant", async () => {
    const timed = portfolio
      .filter((f) => f.accountId === 'd')
      .map((f, i) => ({ eventId: `x-${i}`, type: f.type, data: f.data, occurredAt: f.occurredAt }) as AccountStreamEvent);
    const now = await get(`/v1/accounts/d/health?minPosition=${last}`).expect(200);
    const expected = accountHealth(foldAccount('d', timed, { at: END_OF_DAY }), END_OF_DAY, DEFAULT_SCORING_CONFIG);
    expect(now.body).toEqual({ accountId: 'd', ...JSON.parse(JSON.stringify(expected)), asOf: null, asOfPosition: expect.any(Number) });
    expect(now.body.components.map((c: { name: string; hasData: boolean }) => [c.name, c.hasData])).toEqual([
      ['engagement', true],
      ['sentiment', true],
      ['support', false],
      ['adoption', true],
      ['commercial', true],
      ['relationship', false],
    ]);
    const past = new Date('2026-11-01T18:00:00Z');
    const then = await get(`/v1/accounts/d/health?at=${past.toISOString()}`).expect(200);
    expect(then.body.score).toBe(accountHealth(foldAccount('d', timed, { at: past }), past, DEFAULT_SCORING_CONFIG).score);
    expect(then.body.components.find((c: { name: string }) => c.name === 'adoption').hasData).toBe(false);
  });

  it('shows the account, with churn drivers, ARR at risk and open renewals', async () => {
    const response = await get('/v1/accounts/a').expect(200);
    expect(response.body).toMatchObject({
      accountId: 'a',
      name: 'A',
      ownerId: 'jane',
      keyAccount: false,
      arr: { EUR: 450 },
      products: ['core'],
      openRenewals: [],
    });
    expect(response.body.churnRisk.drivers.map((d: { name: string }) => d.name)).toEqual(expect.arrayContaining(['no_recent_interaction']));
    const c = await get('/v1/accounts/c').expect(200);
    expect(c.body.health.band).toBe('churned');
  });

  it('lists the portfolio worst first, filters it, and pages it with a cursor', async () => {
    const all = await get('/v1/portfolio/health').expect(200);
    const scores = all.body.items.map((i: { score: number | null }) => i.score);
    expect(scores).toEqual([...scores].sort((x, y) => (x ?? Infinity) - (y ?? Infinity)));
    expect(all.body.items.map((i: { accountId: string }) => i.accountId).sort()).toEqual(['a', 'b', 'c', 'd']);
    const janes = await get('/v1/portfolio/health?ownerId=jane').expect(200);
    expect(janes.body.items.map((i: { accountId: string }) => i.accountId).sort()).toEqual(['a', 'b']);
    const first = await get('/v1/portfolio/health?limit=3').expect(200);
    const second = await get(`/v1/portfolio/health?limit=3&cursor=${first.body.nextCursor}`).expect(200);
    expect([...first.body.items, ...second.body.items]).toEqual(all.body.items);
    expect(second.body.nextCursor).toBeNull();
    expect((await get('/v1/portfolio/health?band=churned').expect(200)).body.items.map((i: { accountId: string }) => i.accountId)).toEqual([
      'c',
    ]);
  });

  it('ranks churn risk with drivers and ARR at risk for a horizon, with totals per currency', async () => {
    const near = await get('/v1/portfolio/churn-risk').expect(200);
    expect(near.body.items.map((i: { accountId: string }) => i.accountId)).not.toContain('c');
    expect(near.body.totals).toEqual({});
    const far = await get('/v1/portfolio/churn-risk?horizonDays=400').expect(200);
    // a ends 2027-06-01, b 2027-09-01 (after 400 days: 2027-12-27 is the horizon), d 2028-01-01 is beyond it.
    expect(far.body.totals).toEqual({ EUR: 850 });
    expect(far.body.items.find((i: { accountId: string }) => i.accountId === 'b').arrAtRisk).toEqual({ EUR: 400 });
  });

  it('shows expansion signals with reasons and potential, and the realised expansion', async () => {
    const response = await get('/v1/portfolio/expansion?from=2026-01-01&to=2026-07-01').expect(200);
    expect(response.body.realised).toEqual({ EUR: 100 });
    const d = response.body.accounts.find((a: { accountId: string }) => a.accountId === 'd');
    expect(d.signals[0]).toEqual({ name: 'seat_pressure', reason: 'core: 95 of 100 seats used (95 %)', potential: { USD: 200 } });
  });

  it('has three years of daily history for an account imported with three years of events', async () => {
    const facts = [fact('hist', '2023-11-25', 'AccountOpened', { name: 'H', segment: 'smb' })];
    for (let month = 0; month < 36; month++) {
      const day = new Date(Date.UTC(2023, 11 + month, 1)).toISOString().slice(0, 10);
      facts.push(
        fact('hist', day, 'InteractionLogged', {
          interactionId: `i-${month}`,
          channel: 'email',
          direction: 'inbound',
          sentiment: (month % 5) / 5,
        }),
      );
    }
    const { position } = await post(facts);
    const history = await get(`/v1/accounts/hist/health/history?from=2023-11-23&to=2026-11-22&minPosition=${position}`).expect(200);
    expect(history.body.points).toHaveLength(1096);
    expect(history.body.points[0]).toEqual({ date: '2023-11-23', score: null, band: null });
    // Opened on 2023-11-25, first interaction on 2023-12-01: no component has data before.
    expect(history.body.points.filter((p: { score: number | null }) => p.score === null).map((p: { date: string }) => p.date)).toEqual([
      '2023-11-23',
      '2023-11-24',
      '2023-11-25',
      '2023-11-26',
      '2023-11-27',
      '2023-11-28',
      '2023-11-29',
      '2023-11-30',
    ]);
    expect(history.body.points[8]).toMatchObject({ date: '2023-12-01', score: expect.any(Number) });
  });

  it('pages the timeline, the audit trail, oldest first', async () => {
    const first = await get('/v1/accounts/c/timeline?limit=2').expect(200);
    expect(first.body.events.map((e: { type: string }) => e.type)).toEqual(['AccountOpened', 'ContractSigned']);
    expect(first.body.events[0]).toMatchObject({ source: { system: 'e2e' }, recordedAt: expect.any(String), version: 0 });
    const rest = await get(`/v1/accounts/c/timeline?after=${first.body.nextCursor}`).expect(200);
    expect(rest.body.events.map((e: { type: string }) => e.type)).toEqual(['RenewalOpened', 'RenewalLost']);
    expect(rest.body.nextCursor).toBeNull();
  });

  it('takes a retraction into every figure: the upsell retracted, B stays at 300', async () => {
    const { position } = await post([fact('b', '2026-11-20', 'EventRetracted', { targetEventId: upsellId, reason: 'entered twice' })]);
    const response = await get(`/v1/portfolio/metrics?from=2026-01-01&to=2026-07-01&minPosition=${position}`).expect(200);
    expect(response.body.currencies[0]).toMatchObject({
      currency: 'EUR',
      startingArr: 1000,
      endingArr: 750,
      grr: 0.75,
      nrr: 0.75,
      expansionArr: 0,
    });
    expect((await get('/v1/accounts/b').expect(200)).body.arr).toEqual({ EUR: 300 });
  });

  const cacheLookups = async () => {
    const text = (await get('/metrics').expect(200)).text;
    const count = (result: string) =>
      Number(new RegExp(`rapport_answer_cache_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { hit: count('hit'), miss: count('miss') };
  };

  /**
   * The cache hears of the read model's changes on its own connection, and may keep an answer read from the read
   * model before it has heard of the commit that answer came after; that notice, when it comes, drops the answer.
   * Waits until the cache has heard of `position`, then until `url` is served from the cache.
   */
  const heldAnswer = async (url: string, position: number) => {
    for (let i = 0; i < 200; i++) {
      const text = (await get('/metrics').expect(200)).text;
      const heard = Number(/^rapport_answer_cache_position (-?\d+)$/m.exec(text)?.[1] ?? -1);
      if (heard >= position) {
        const before = await cacheLookups();
        const body = (await get(url).expect(200)).body;
        if ((await cacheLookups()).hit > before.hit) return body;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`${url} was never served from the cache once it had heard of position ${position}`);
  };

  it('serves read-model answers again until the projector changes the read model, then the new ones', async () => {
    const lookups = cacheLookups;
    const { position } = await post([opened('cached', 'jane')]);
    await get(`/v1/accounts/cached/health?minPosition=${position}`).expect(200);
    await heldAnswer('/v1/accounts/cached/health', position);
    const before = await lookups();
    const first = (await get('/v1/accounts/cached/health').expect(200)).body;
    expect((await lookups()).hit).toBe(before.hit + 1);
    expect(first.asOfPosition).toBeGreaterThanOrEqual(position);

    const later = await post([
      fact('cached', '2026-11-20', 'InteractionLogged', { interactionId: 'x', channel: 'meeting', direction: 'outbound', sentiment: 0.9 }),
    ]);
    let answer = first;
    for (let i = 0; i < 200 && answer.asOfPosition < later.position; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = (await get('/v1/accounts/cached/health').expect(200)).body;
    }
    expect(answer.asOfPosition).toBeGreaterThanOrEqual(later.position);
    expect(answer.components).not.toEqual(first.components);
    // Asked about another time, an answer is computed, never kept.
    const missesBefore = (await lookups()).miss;
    await get(`/v1/accounts/cached/health?at=2026-11-21T00:00:00Z`).expect(200);
    expect((await lookups()).miss).toBe(missesBefore);
  });

  it("keeps an account's answers while only other accounts change, at the read model's new position", async () => {
    const { position } = await post([opened('steady', 'jane')]);
    await get(`/v1/accounts/steady?minPosition=${position}`).expect(200);
    const first = await heldAnswer('/v1/accounts/steady', position);
    const before = await cacheLookups();

    const other = await post([opened('busy', 'joe')]);
    await get(`/v1/accounts/busy/health?minPosition=${other.position}`).expect(200);
    let answer = first;
    for (let i = 0; i < 200 && answer.asOfPosition < other.position; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = (await get('/v1/accounts/steady').expect(200)).body;
    }
    expect(answer).toEqual({ ...first, asOfPosition: answer.asOfPosition });
    expect(answer.asOfPosition).toBeGreaterThanOrEqual(other.position);
    // Every lookup of the steady account was a hit: the write to another account did not end its answer.
    expect((await cacheLookups()).miss).toBe(before.miss);

    // Its own write does.
    const own = await post([
      fact('steady', '2026-11-20', 'InteractionLogged', { interactionId: 's', channel: 'meeting', direction: 'outbound', sentiment: 0.9 }),
    ]);
    for (let i = 0; i < 200 && answer.lastPosition < own.position; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      answer = (await get('/v1/accounts/steady').expect(200)).body;
    }
    expect(answer.lastPosition).toBe(own.position);
    expect((await cacheLookups()).miss).toBeGreaterThan(before.miss);
  });

  it('answers bad requests, unknown accounts and an unreachable minPosition with problems', async () => {
    const bad = await get('/v1/portfolio/metrics?from=2026-13-01').expect(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(bad.body.errors).toEqual([{ field: 'from', message: 'must be a date YYYY-MM-DD' }]);
    expect((await get('/v1/portfolio/metrics?from=2026-01-01').expect(400)).body.errors).toEqual([{ field: 'to', message: 'is required' }]);
    await get('/v1/accounts/d/health?at=2026-11-01').expect(400);
    await get('/v1/accounts/d/health?at=2030-01-01T00:00:00Z').expect(400);
    await get('/v1/portfolio/health?cursor=garbage').expect(400);
    expect((await get('/v1/accounts/nobody').expect(404)).body.title).toBe('Unknown account');
    const behind = await get('/v1/accounts/a?minPosition=999999').expect(503);
    expect(behind.body.title).toBe('Read model behind');
  }, 15_000);

  it('is ready with its projector caught up, and exposes Prometheus metrics', async () => {
    const ready = await get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, projector: { status: 'up' } });
    const metrics = await get('/metrics').expect(200);
    expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
    const value = (pattern: RegExp) => Number(pattern.exec(metrics.text)?.[1]);
    expect(value(/^rapport_events_appended_total\{via="http"\} (\d+)$/m)).toBeGreaterThanOrEqual(portfolio.length);
    expect(value(/^rapport_projection_lag_events (\d+)$/m)).toBe(0);
    expect(value(/^rapport_outbox_backlog (\d+)$/m)).toBeGreaterThan(0); // no Kafka here: nothing relays them
    expect(metrics.text).toMatch(
      /rapport_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/v1\/accounts\/:id\/health",status="200"\} \d+/,
    );
  });

  it('serves its OpenAPI description', async () => {
    const { openApiDocument } = await import('@rapport/platform');
    const doc = openApiDocument(app.app, 'Rapport API');
    expect(doc.paths['/v1/portfolio/health'].get?.parameters?.map((p) => ('name' in p ? p.name : ''))).toEqual(
      expect.arrayContaining(['band', 'ownerId', 'cursor']),
    );
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/events', '/v1/accounts/{id}/health', '/v1/portfolio/metrics']));
  });
});
