import { mkdtempSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import { runCli } from '../support/cli';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let url: string;
let head = 0;
let n = 0;

const envelope = (accountId: string, occurredAt: string, type: string, data: unknown) => ({
  type,
  accountId,
  occurredAt,
  source: { system: 'crm', eventId: `bt-${++n}` },
  data,
});

/** An account with a contract up for renewal on 1 October 2026, closed in September as `outcome`. */
function account(id: string, outcome: 'won' | 'lost', arr: number, extra: Array<[string, string, unknown]>) {
  return [
    envelope(id, '2025-09-01T09:00:00Z', 'AccountOpened', { name: id, segment: 'smb', ownerId: 'jane' }),
    envelope(id, '2025-09-02T09:00:00Z', 'ContractSigned', {
      contractId: 'c1',
      products: ['core'],
      arr,
      currency: 'EUR',
      startDate: '2025-10-01',
      endDate: '2026-10-01',
    }),
    ...extra.map(([at, type, data]) => envelope(id, at, type, data)),
    envelope(id, '2026-06-01T09:00:00Z', 'RenewalOpened', { renewalId: 'r1', contractId: 'c1', dueDate: '2026-10-01' }),
    outcome === 'won'
      ? envelope(id, '2026-09-15T09:00:00Z', 'RenewalWon', { renewalId: 'r1', contractId: 'c1', arr, newEndDate: '2027-10-01' })
      : envelope(id, '2026-09-15T09:00:00Z', 'RenewalLost', { renewalId: 'r1', contractId: 'c1', reason: 'price' }),
  ];
}

const meeting = (at: string, sentiment: number): [string, string, unknown] => [
  at,
  'InteractionLogged',
  { interactionId: `m-${at}`, channel: 'meeting', direction: 'outbound', sentiment },
];

beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'backtest' });
  await app.app.listen(0, '127.0.0.1');
  url = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
  const portfolio = [
    ...account('happy', 'won', 10_000, [meeting('2026-05-20T10:00:00Z', 0.8), meeting('2026-06-25T10:00:00Z', 0.9)]),
    ...account('detractor', 'lost', 20_000, [['2026-06-10T10:00:00Z', 'SurveyResponded', { surveyId: 's1', kind: 'nps', score: 2 }]]),
    ...account('steady', 'won', 30_000, [meeting('2026-06-30T10:00:00Z', 0.2)]),
    ...account('silent-but-lost', 'lost', 40_000, [meeting('2026-06-28T10:00:00Z', 0.9), meeting('2026-06-29T10:00:00Z', 0.9)]),
  ];
  const response = await app.http.post('/v1/events/batch').send(portfolio).expect(201);
  head = Math.max(...(response.body.results as Array<{ globalPosition: number }>).map((r) => r.globalPosition));
  await app.http.get(`/v1/portfolio/health?minPosition=${head}`).expect(200);
}, 60_000);
afterAll(() => app.close());

const PERIOD = 'from=2026-01-01&to=2026-11-01';

describe('GET /v1/portfolio/backtest', () => {
  it('predicts every renewal closed in the period as /health?at=predictedAt shows it, and reports on the outcomes', async () => {
    const report = (await app.http.get(`/v1/portfolio/backtest?${PERIOD}&leadDays=90`).expect(200)).body;
    expect(report.outcomes).toEqual({ total: 4, won: 2, lost: 2 });
    expect(report.rows.map((r: { accountId: string }) => r.accountId)).toEqual(['detractor', 'happy', 'silent-but-lost', 'steady']);
    for (const row of report.rows) {
      expect(row.predictedAt).toBe('2026-07-03T00:00:00.000Z');
      const then = (await app.http.get(`/v1/accounts/${row.accountId}?at=${row.predictedAt}`).expect(200)).body;
      expect(row.health).toEqual({ score: then.health.score, band: then.health.band });
      expect(row.churnRisk.score).toBe(then.churnRisk.score);
      expect(row.churnRisk.drivers).toEqual(then.churnRisk.drivers.map((d: { name: string }) => d.name));
    }
    const detractor = report.rows.find((r: { accountId: string }) => r.accountId === 'detractor');
    expect(detractor.churnRisk.drivers).toContain('nps_detractor');
    expect(report.drivers.find((d: { driver: string }) => d.driver === 'nps_detractor').present).toEqual({
      renewals: 1,
      lost: 1,
      lostRate: 1,
    });
    expect(report.arr).toEqual([expect.objectContaining({ currency: 'EUR', won: 40000, lost: 60000 })]);
    expect(report.auc).toEqual(expect.any(Number));
    expect(report.bands.reduce((sum: number, b: { won: number; lost: number }) => sum + b.won + b.lost, 0)).toBe(4);
  });

  it('lists only the misses on request, and refuses a bad period naming it', async () => {
    const all = (await app.http.get(`/v1/portfolio/backtest?${PERIOD}`).expect(200)).body;
    const misses = (await app.http.get(`/v1/portfolio/backtest?${PERIOD}&rows=misses`).expect(200)).body;
    const expected = all.rows.filter(
      (r: { outcome: string; health: { band: string } }) =>
        (r.outcome === 'lost' && r.health.band === 'green') || (r.outcome === 'won' && r.health.band === 'red'),
    );
    expect(misses.rows).toEqual(expected);
    expect(misses.misses).toBe(expected.length);
    expect((await app.http.get('/v1/portfolio/backtest?from=2026-11-01&to=2026-01-01').expect(400)).body.errors).toEqual([
      { field: 'to', message: 'must be after from' },
    ]);
    expect((await app.http.get(`/v1/portfolio/backtest?${PERIOD}&knowledge=psychic`).expect(400)).body.errors[0].field).toBe('knowledge');
    expect((await app.http.get(`/v1/portfolio/backtest?from=2027-01-01&to=2028-01-01`).expect(200)).body.outcomes.total).toBe(0);
  });

  it('with knowledge=recorded, predicts from nothing recorded by then (all of it was recorded today)', async () => {
    const report = (await app.http.get(`/v1/portfolio/backtest?${PERIOD}&knowledge=recorded`).expect(200)).body;
    expect(report.rows.map((r: { health: { score: number | null } }) => r.health.score)).toEqual([null, null, null, null]);
  });
});

describe('POST /v1/portfolio/backtest (what-if)', () => {
  it('answers the live and a proposed configuration side by side, and leaves the live figures alone', async () => {
    const before = (await app.http.get('/v1/accounts/detractor/health').expect(200)).body;
    const live = (await app.http.get(`/v1/portfolio/backtest?${PERIOD}`).expect(200)).body;
    const whatIf = (
      await app.http
        .post('/v1/portfolio/backtest')
        .send({ from: '2026-01-01', to: '2026-11-01', leadDays: 90, rows: 'all', scoring: { churnPoints: { nps_detractor: 40 } } })
        .expect(200)
    ).body;
    expect({ ...whatIf.current, rows: null }).toEqual({ ...live, rows: null });
    const detractor = (report: { rows: Array<{ accountId: string; churnRisk: { score: number } }> }) =>
      report.rows.find((r) => r.accountId === 'detractor')!.churnRisk.score;
    expect(detractor(whatIf.proposed) - detractor(whatIf.current)).toBe(Math.min(30, 100 - detractor(whatIf.current)));
    expect(whatIf.scoring.proposed.churnPoints.nps_detractor).toBe(40);
    expect(whatIf.deltas).toEqual(expect.objectContaining({ auc: expect.any(Number), renewalsChangingBand: 0 }));
    expect((await app.http.get('/v1/accounts/detractor/health').expect(200)).body).toEqual(before);
    expect((await app.http.get(`/v1/portfolio/backtest?${PERIOD}`).expect(200)).body).toEqual(live);
  });

  it('refuses a proposal it cannot use, naming the field', async () => {
    const unknown = await app.http
      .post('/v1/portfolio/backtest')
      .send({ from: '2026-01-01', to: '2026-11-01', scoring: { weights: { happiness: 1 } } })
      .expect(400);
    expect(unknown.body.errors).toEqual([{ field: 'scoring.weights.happiness', message: expect.stringContaining('is not known') }]);
    const negative = await app.http
      .post('/v1/portfolio/backtest')
      .send({ from: '2026-01-01', to: '2026-11-01', scoring: { churnPoints: { renewal_due: -5 } } })
      .expect(400);
    expect(negative.body.errors).toEqual([{ field: 'scoring.churnPoints.renewal_due', message: 'must be a number ≥ 0' }]);
    await app.http.post('/v1/portfolio/backtest').send({ from: '2026-01-01', to: '2026-11-01' }).expect(400);
  });
});

describe('rapport backtest', () => {
  it('prints the report as tables, or JSON, with a proposal from a file', async () => {
    const text = await runCli(url, ['backtest', '--from', '2026-01-01', '--to', '2026-11-01']);
    expect([text.code, text.stderr]).toEqual([0, '']);
    expect(text.stdout).toMatch(/^band\s+won\s+lost$/m);
    expect(text.stdout).toMatch(/AUC \(churn risk → lost\): 0\.\d+|AUC \(churn risk → lost\): [01]/);
    const dir = mkdtempSync(join(tmpdir(), 'rapport-backtest-'));
    writeFileSync(join(dir, 'scoring.json'), JSON.stringify({ churnPoints: { nps_detractor: 40 } }));
    const json = await runCli(url, [
      '--json',
      'backtest',
      '--from',
      '2026-01-01',
      '--to',
      '2026-11-01',
      '--scoring',
      join(dir, 'scoring.json'),
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(expect.objectContaining({ current: expect.any(Object), proposed: expect.any(Object) }));
    const side = await runCli(url, ['backtest', '--from', '2026-01-01', '--to', '2026-11-01', '--scoring', join(dir, 'scoring.json')]);
    expect(side.stdout).toMatch(/^figure\s+current\s+proposed\s+delta$/m);
  }, 30_000);
});
