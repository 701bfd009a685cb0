import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let head: number;
let n = 0;
const envelope = (accountId: string, occurredAt: string, type: string, data: unknown) => ({
  type,
  accountId,
  occurredAt: `${occurredAt}T09:00:00Z`,
  source: { system: 'crm', eventId: `groups-${++n}` },
  data,
});
const signed = (accountId: string, arr: number) =>
  envelope(accountId, '2026-01-01', 'ContractSigned', {
    contractId: `c-${accountId}`,
    products: ['core'],
    arr,
    currency: 'EUR',
    startDate: '2026-01-01',
    endDate: '2027-01-01',
  });

/**
 * a: jane, enterprise, key account, 1,000 → 1,500 (upsell on 1 May); b: jane, smb, 500, terminated on 15 May;
 * c: joe, smb, key account, 300 throughout.
 */
beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'portfolio_groups' });
  const response = await app.http
    .post('/v1/events/batch')
    .send([
      envelope('a', '2025-12-01', 'AccountOpened', { name: 'A', segment: 'enterprise', ownerId: 'jane' }),
      envelope('a', '2025-12-01', 'KeyAccountDesignated', {}),
      envelope('b', '2025-12-01', 'AccountOpened', { name: 'B', segment: 'smb', ownerId: 'jane' }),
      envelope('c', '2025-12-01', 'AccountOpened', { name: 'C', segment: 'smb', ownerId: 'joe' }),
      envelope('c', '2025-12-01', 'KeyAccountDesignated', {}),
      signed('a', 1000),
      signed('b', 500),
      signed('c', 300),
      envelope('a', '2026-05-01', 'ContractAmended', { contractId: 'c-a', arr: 1500, effectiveDate: '2026-05-01', reason: 'upsell' }),
      envelope('b', '2026-05-15', 'ContractTerminated', { contractId: 'c-b', effectiveDate: '2026-05-15' }),
      envelope('a', '2026-06-01', 'RenewalOpened', { renewalId: 'r-a', contractId: 'c-a', dueDate: '2026-12-01' }),
      envelope('a', '2026-06-10', 'RenewalLost', { renewalId: 'r-a', contractId: 'c-a', reason: 'price' }),
      envelope('c', '2026-04-10', 'SupportTicketOpened', { ticketId: 't-1', severity: 'normal' }),
      { ...envelope('c', '2026-04-11', 'SupportTicketResolved', { ticketId: 't-1' }), occurredAt: '2026-04-11T21:00:00Z' },
    ])
    .expect(201);
  head = Math.max(...(response.body.results as Array<{ globalPosition: number }>).map((r) => r.globalPosition));
  await app.http.get(`/v1/accounts/a?minPosition=${head}`).expect(200);
}, 60_000);
afterAll(() => app.close());

const eur = <C extends { currency: string }>(body: { currencies: C[] }) => body.currencies.find((c) => c.currency === 'EUR');

describe('portfolio figures per group and over time', () => {
  it('gives the metrics per segment, by hand', async () => {
    const body = (await app.http.get('/v1/portfolio/metrics?from=2026-04-01&to=2026-07-01&groupBy=segment').expect(200)).body;
    // All: 1,800 → 1,800 (a 1,500, b 0, c 300); retained 1,000 + 0 + 300.
    expect(eur(body)).toMatchObject({ startingArr: 1800, endingArr: 1800, grr: 0.7222, nrr: 1, logoChurnRate: 0.3333 });
    expect(body.groupBy).toBe('segment');
    expect(body.groups.map((g: { key: string }) => g.key)).toEqual(['enterprise', 'smb']);
    expect(eur(body.groups[0])).toMatchObject({ startingArr: 1000, endingArr: 1500, grr: 1, nrr: 1.5 });
    // smb: b 500 → 0, c 300 → 300: retained 300 of 800.
    expect(eur(body.groups[1])).toMatchObject({ startingArr: 800, endingArr: 300, grr: 0.375, nrr: 0.375, logoChurnRate: 0.5 });
    // a's renewal lost for price, in enterprise; c's normal ticket resolved in 36 hours, in smb.
    expect(body.lossReasons).toEqual({ price: 1 });
    expect(body.groups.map((g: { lossReasons: object }) => g.lossReasons)).toEqual([{ price: 1 }, {}]);
    const normal = { severity: 'normal', opened: 1, resolved: 1, medianResolutionHours: 36 };
    expect(body.tickets).toContainEqual(normal);
    expect(body.groups[1].tickets).toContainEqual(normal);
    expect(body.groups[0].tickets).toContainEqual({ severity: 'normal', opened: 0, resolved: 0, medianResolutionHours: null });
    // The same figures folded from the log (asOf) as read from the read model.
    const { groupBy: _g, groups: _gs, ...plain } = body;
    const asOf = (await app.http.get(`/v1/portfolio/metrics?from=2026-04-01&to=2026-07-01&asOf=${head}`).expect(200)).body;
    expect({ ...asOf, asOf: null, asOfPosition: 0 }).toEqual({ ...plain, asOf: null, asOfPosition: 0 });
  });

  it("compares the key-account programme's retention with the rest, quarter by quarter", async () => {
    const body = (
      await app.http.get('/v1/portfolio/metrics/series?from=2026-01-01&to=2026-07-01&interval=quarter&groupBy=keyAccount').expect(200)
    ).body;
    expect(body.periods.map((p: { from: string; to: string }) => [p.from, p.to])).toEqual([
      ['2026-01-01', '2026-04-01'],
      ['2026-04-01', '2026-07-01'],
    ]);
    expect(eur(body.periods[0])).toMatchObject({ grr: 1, nrr: 1 });
    const [rest, programme] = body.periods[1].groups;
    expect(rest.key).toBe(false);
    expect(eur(rest)).toMatchObject({ startingArr: 500, endingArr: 0, grr: 0, nrr: 0, logoChurnRate: 1 });
    expect(programme.key).toBe(true);
    // 1,300 → 1,800
    expect(eur(programme)).toMatchObject({ startingArr: 1300, endingArr: 1800, grr: 1, nrr: 1.3846 });
    const months = (await app.http.get('/v1/portfolio/metrics/series?from=2026-01-15&to=2026-04-01&interval=month').expect(200)).body;
    expect(months.periods.map((p: { from: string }) => p.from)).toEqual(['2026-01-15', '2026-02-01', '2026-03-01']);
  });

  it('groups churn risk and expansion by owner', async () => {
    const churn = (await app.http.get('/v1/portfolio/churn-risk?groupBy=ownerId').expect(200)).body;
    const scores = Object.fromEntries(churn.items.map((i: { accountId: string; score: number }) => [i.accountId, i.score]));
    expect(churn.groups).toEqual([
      expect.objectContaining({ key: 'jane', accounts: 2, meanScore: Math.round(((scores.a + scores.b) / 2) * 100) / 100 }),
      expect.objectContaining({ key: 'joe', accounts: 1, meanScore: scores.c }),
    ]);
    const expansion = (await app.http.get('/v1/portfolio/expansion?from=2026-01-01&to=2026-12-01&groupBy=ownerId').expect(200)).body;
    expect(expansion.realised).toEqual({ EUR: 500 });
    expect(expansion.groups.map((g: { key: string; realised: object }) => [g.key, g.realised])).toEqual([
      ['jane', { EUR: 500 }],
      ['joe', {}],
    ]);
  });

  it('refuses a groupBy it does not know, and a series too long, naming the parameter', async () => {
    const unknown = await app.http.get('/v1/portfolio/metrics?from=2026-01-01&to=2026-02-01&groupBy=region').expect(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'groupBy' })]);
    const long = await app.http.get('/v1/portfolio/metrics/series?from=2000-01-01&to=2026-01-01&interval=month').expect(400);
    expect(long.body.errors).toEqual([expect.objectContaining({ field: 'to' })]);
  });

  // Last: it records an owner change.
  it('groups as the platform knew it (asOf) and as things stood (at), folded from the log like the read model', async () => {
    const strip = ({ asOf: _a, asOfPosition: _p, ...rest }: Record<string, unknown>) => rest;
    for (const path of [
      '/v1/portfolio/metrics?from=2026-04-01&to=2026-07-01&groupBy=ownerId',
      '/v1/portfolio/metrics?from=2026-04-01&to=2026-07-01&groupBy=keyAccount',
      '/v1/portfolio/churn-risk?groupBy=segment',
      '/v1/portfolio/expansion?from=2026-01-01&to=2026-12-01&groupBy=ownerId',
    ]) {
      const fromReadModel = (await app.http.get(path).expect(200)).body;
      const fromLog = (await app.http.get(`${path}&asOf=${head}`).expect(200)).body;
      expect(fromLog.groups.length).toBeGreaterThan(1);
      expect(strip(fromLog)).toEqual(strip(fromReadModel));
    }
    // b changes hands on 20 June, recorded now.
    const moved = await app.http
      .post('/v1/events')
      .send(envelope('b', '2026-06-20', 'AccountOwnerAssigned', { ownerId: 'joe' }))
      .expect(201);
    const q1 = '/v1/portfolio/metrics?from=2026-01-01&to=2026-04-01&groupBy=ownerId';
    const owners = (body: { groups: Array<{ key: string; currencies: Array<{ currency: string; startingArr: number }> }> }) =>
      body.groups.map((g) => [g.key, eur(g)?.startingArr]);
    // Now: jane holds a (1,000), joe b and c (500 + 300).
    expect(owners((await app.http.get(`${q1}&minPosition=${moved.body.globalPosition}`).expect(200)).body)).toEqual([
      ['jane', 1000],
      ['joe', 800],
    ]);
    // Before the change was recorded: jane held a and b.
    expect(owners((await app.http.get(`${q1}&asOf=${head}`).expect(200)).body)).toEqual([
      ['jane', 1500],
      ['joe', 300],
    ]);
    // On 1 April, as known now: b (not yet terminated) was still jane's.
    const april = (await app.http.get('/v1/portfolio/churn-risk?groupBy=ownerId&at=2026-04-01T00:00:00Z').expect(200)).body;
    expect(april.groups.map((g: { key: string; accounts: number }) => [g.key, g.accounts])).toEqual([
      ['jane', 2],
      ['joe', 1],
    ]);
  });
});
