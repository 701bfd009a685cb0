import Ajv2020 from 'ajv/dist/2020';
import { Pool } from 'pg';
import { READ_MODEL_VERSION } from '@rapport/read-models';
import { StandaloneAppModule } from '@rapport/standalone/standalone-app.module';
import schema from '../../docs/schemas/rapport.account-health.v1.schema.json';
import { startTestApp, TestApp } from '../support/test-app';

let app: TestApp;
let n = 0;
const DAY = 86_400_000;
/** An instant `days` before now (ISO), and its UTC day. */
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();
const dayAgo = (days: number) => ago(days).slice(0, 10);
const envelope = (accountId: string, occurredAt: string, type: string, data: unknown) => ({
  type,
  accountId,
  occurredAt,
  source: { system: 'crm', eventId: `kam-${++n}` },
  data,
});

const contract = (contractId: string, arr: number) => ({
  contractId,
  products: ['core'],
  arr,
  currency: 'EUR',
  startDate: dayAgo(190),
  endDate: dayAgo(-500),
});

async function post(envelopes: unknown[]): Promise<number> {
  const response = await app.http.post('/v1/events/batch').send(envelopes).expect(201);
  return Math.max(...(response.body.results as Array<{ globalPosition: number }>).map((r) => r.globalPosition));
}

let head: number;
let beforePlan: string;

beforeAll(async () => {
  app = await startTestApp(StandaloneAppModule.forRoot, { label: 'key_accounts' });
  await post([
    envelope('initech', ago(200), 'AccountOpened', { name: 'Initech', segment: 'enterprise', ownerId: 'jane' }),
    envelope('initech', ago(150), 'StakeholderIdentified', { contactId: 'bill', name: 'Bill L.', role: 'champion', influence: 'high' }),
    envelope('initech', ago(150), 'StakeholderIdentified', { contactId: 'peter', role: 'user' }),
    envelope('initech', ago(120), 'CadenceAgreed', { touchEveryDays: 14, reviewEveryDays: 90 }),
    envelope('initech', ago(20), 'InteractionLogged', {
      interactionId: 'm-1',
      channel: 'meeting',
      direction: 'outbound',
      contactIds: ['bill'],
    }),
    envelope('initech', ago(60), 'CompetitorDetected', { competitor: 'Initrode', threat: 'high' }),
    envelope('initech', ago(80), 'InvoiceIssued', { invoiceId: 'inv-1', amount: 12_500, currency: 'EUR', dueDate: dayAgo(50) }),
    envelope('initech', ago(190), 'ContractSigned', contract('c-1', 200_000)),
    envelope('initech', ago(10), 'KeyAccountAssessed', { strategicValue: 5, logoValue: 4 }),
    envelope('vandelay', ago(200), 'AccountOpened', { name: 'Vandelay', segment: 'mid_market', ownerId: 'joe' }),
    envelope('vandelay', ago(190), 'KeyAccountDesignated', { reason: 'flagship logo' }),
    envelope('vandelay', ago(190), 'ContractSigned', contract('c-2', 50_000)),
  ]);
  beforePlan = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 20));
  head = await post([
    envelope('initech', ago(30), 'AccountGoalSet', { goalId: 'g-1', description: 'Standardise on our platform', dueDate: dayAgo(-120) }),
    envelope('initech', ago(30), 'ActionPlanned', {
      actionId: 'a-1',
      goalId: 'g-1',
      description: 'Executive sponsor meeting',
      ownerId: 'jane',
      dueDate: dayAgo(3),
    }),
    envelope('initech', ago(30), 'ActionPlanned', {
      actionId: 'a-2',
      description: 'Send the ROI study',
      ownerId: 'joe',
      dueDate: dayAgo(10),
    }),
    envelope('initech', ago(5), 'ActionCompleted', { actionId: 'a-2' }),
  ]);
  await app.http.get(`/v1/accounts/initech?minPosition=${head}`).expect(200);
}, 60_000);
afterAll(() => app.close());

describe('key-account management', () => {
  it('refuses facts that break the key-account rules with a code naming the field, and stores nothing', async () => {
    const refused = async (event: object, code: string, field: string) => {
      const response = await app.http.post('/v1/events').send(event).expect(409);
      expect(response.body).toMatchObject({ status: 409, errors: [{ field, code }] });
    };
    await refused(
      envelope('initech', ago(1), 'InteractionLogged', {
        interactionId: 'm-x',
        channel: 'call',
        direction: 'inbound',
        contactIds: ['nobody'],
      }),
      'stakeholder_unknown',
      'data.contactIds',
    );
    await refused(
      envelope('initech', ago(1), 'StakeholderIdentified', { contactId: 'bill', role: 'sponsor' }),
      'stakeholder_exists',
      'data.contactId',
    );
    await refused(envelope('initech', ago(1), 'ActionCompleted', { actionId: 'a-2' }), 'action_completed', 'data.actionId');
    await refused(envelope('initech', ago(1), 'InvoicePaid', { invoiceId: 'inv-9' }), 'invoice_unknown', 'data.invoiceId');
    await refused(envelope('initech', ago(1), 'CompetitorCleared', { competitor: 'Globex' }), 'competitor_unknown', 'data.competitor');
    const invalid = await app.http
      .post('/v1/events')
      .send(envelope('initech', ago(1), 'StakeholderIdentified', { contactId: 'x', role: 'friend' }))
      .expect(400);
    expect(JSON.stringify(invalid.body)).toContain('data.role');
    const timeline = (await app.http.get('/v1/accounts/initech/timeline').expect(200)).body;
    expect(timeline.events).toHaveLength(13);
  });

  it('shows the plan with overdue actions, the cadence with what is overdue, and the stakeholders', async () => {
    const plan = (await app.http.get('/v1/accounts/initech/plan').expect(200)).body;
    expect(plan.goals).toEqual([
      expect.objectContaining({
        goalId: 'g-1',
        status: 'open',
        overdue: false,
        actions: [expect.objectContaining({ actionId: 'a-1', ownerId: 'jane', status: 'open', overdue: true })],
      }),
    ]);
    expect(plan.actions).toEqual([expect.objectContaining({ actionId: 'a-2', status: 'completed', overdue: false })]);
    expect(plan).toEqual(expect.objectContaining({ openActions: 1, overdueActions: 1, asOf: null }));
    expect(plan.cadence).toEqual(
      expect.objectContaining({ touchEveryDays: 14, reviewEveryDays: 90, touchOverdue: true, reviewOverdue: true, lastReviewAt: null }),
    );
    expect(plan.stakeholders.map((s: { contactId: string; engaged: boolean }) => [s.contactId, s.engaged])).toEqual([
      ['bill', true],
      ['peter', false],
    ]);
    // As known before the plan was recorded: no goal, no action.
    const earlier = (await app.http.get(`/v1/accounts/initech/plan?asOf=${encodeURIComponent(beforePlan)}`).expect(200)).body;
    expect(earlier).toEqual(expect.objectContaining({ goals: [], actions: [], openActions: 0, asOf: beforePlan }));
    await app.http.get('/v1/accounts/nobody/plan').expect(404);
  });

  it('scores the relationship and names the key-account churn drivers', async () => {
    const health = (await app.http.get('/v1/accounts/initech/health').expect(200)).body;
    // Decision maker not known: 0; champion engaged: 30; breadth 1 of 2 engaged: 30 × 1/3 = 10.
    expect(health.components.find((c: { name: string }) => c.name === 'relationship')).toEqual(
      expect.objectContaining({ score: 40, hasData: true, weight: 0.15 }),
    );
    const account = (await app.http.get('/v1/accounts/initech').expect(200)).body;
    const drivers = account.churnRisk.drivers.map((d: { name: string }) => d.name);
    expect(drivers).toEqual(
      expect.arrayContaining([
        'single_threaded',
        'review_overdue',
        'cadence_missed',
        'competitor_present',
        'invoice_overdue',
        'plan_actions_overdue',
      ]),
    );
    expect(drivers).not.toContain('champion_left');
    // The whole book: which accounts face a competitor, or are single-threaded, now and as known before.
    const facing = (await app.http.get('/v1/portfolio/churn-risk?driver=competitor_present').expect(200)).body;
    expect(facing.items.map((i: { accountId: string }) => i.accountId)).toEqual(['initech']);
    const asOf = encodeURIComponent(new Date().toISOString());
    const facingAsOf = (await app.http.get(`/v1/portfolio/churn-risk?driver=competitor_present&asOf=${asOf}`).expect(200)).body;
    expect(facingAsOf.items.map((i: { accountId: string }) => i.accountId)).toEqual(['initech']);
    // One owner's book: jane's is initech, joe's vandelay.
    for (const [ownerId, expected] of [
      ['jane', ['initech']],
      ['joe', []],
    ] as const) {
      for (const knowledge of ['', `&asOf=${asOf}`]) {
        const book = (await app.http.get(`/v1/portfolio/churn-risk?driver=single_threaded&ownerId=${ownerId}${knowledge}`).expect(200))
          .body;
        expect(book.items.map((i: { accountId: string }) => i.accountId)).toEqual(expected);
      }
    }
    const all = (await app.http.get('/v1/portfolio/churn-risk?ownerId=joe').expect(200)).body;
    expect(all.items.map((i: { accountId: string }) => i.accountId)).toEqual(['vandelay']);
    const unknown = await app.http.get('/v1/portfolio/churn-risk?driver=bad_vibes').expect(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'driver' })]);
  });

  it("shows the account's cadence, lists the portfolio's actions by owner or overdue, and announces an overdue action once", async () => {
    const account = (await app.http.get('/v1/accounts/initech').expect(200)).body;
    expect(account.cadence).toEqual(expect.objectContaining({ touchEveryDays: 14, touchOverdue: true, reviewOverdue: true }));
    const overdue = (await app.http.get('/v1/portfolio/actions?overdue=true').expect(200)).body;
    expect(overdue.items).toEqual([
      expect.objectContaining({
        accountId: 'initech',
        accountName: 'Initech',
        actionId: 'a-1',
        ownerId: 'jane',
        status: 'open',
        overdue: true,
      }),
    ]);
    const joes = (await app.http.get('/v1/portfolio/actions?ownerId=joe').expect(200)).body;
    expect(joes.items.map((i: { actionId: string; status: string }) => [i.actionId, i.status])).toEqual([['a-2', 'completed']]);
    const open = (await app.http.get('/v1/portfolio/actions?status=open').expect(200)).body;
    expect(open.items.map((i: { actionId: string }) => i.actionId)).toEqual(['a-1']);
    const refused = await app.http.get('/v1/portfolio/actions?overdue=maybe').expect(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ field: 'overdue' })]);

    const pool = new Pool({ connectionString: app.database.url, max: 1 });
    try {
      const { rows } = await pool.query("SELECT payload FROM rapport_outbox WHERE account_id = 'initech' AND type = 'ActionOverdue'");
      expect(rows.map((r) => r.payload.figures.action.actionId)).toEqual(['a-1']);
      const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);
      expect([validate(rows[0].payload), validate.errors]).toEqual([true, null]);
    } finally {
      await pool.end();
    }
  });

  it('shows the key-account programme against its cap, and ranks the accounts outside it by fit', async () => {
    const programme = (await app.http.get('/v1/portfolio/key-accounts').expect(200)).body;
    expect(programme.programme).toEqual({ keyAccounts: 1, cap: 25, room: 24, arrShare: { EUR: 0.2 } });
    expect(programme.items.map((i: { accountId: string }) => i.accountId)).toEqual(['vandelay']);
    const candidates = (await app.http.get('/v1/portfolio/key-accounts?candidates=true').expect(200)).body;
    expect(candidates.items).toEqual([
      expect.objectContaining({
        accountId: 'initech',
        keyAccount: false,
        criteria: expect.objectContaining({ arrRank: 100, strategicValue: 100, logoValue: 80, relationshipStrength: 40 }),
      }),
    ]);
    await app.http.get('/v1/portfolio/key-accounts?candidates=yes').expect(400);
  });

  it('shows who is who, how the relationship grew, the competitor present and the invoice overdue', async () => {
    const body = (await app.http.get('/v1/accounts/initech/relationship').expect(200)).body;
    expect(body.coverage).toEqual({ decisionMaker: 'none', championOrSponsor: 'engaged', activeStakeholders: 2, engagedStakeholders: 1 });
    expect(body.growth).toEqual({
      tenureDays: expect.any(Number),
      renewalsWon: 0,
      referrals: { total: 0, last365Days: 0 },
      programmeParticipation: { total: 0, last365Days: 0 },
      productsAdded: [],
    });
    expect(body.growth.tenureDays).toBeGreaterThanOrEqual(189);
    expect(body.competitors).toEqual([expect.objectContaining({ competitor: 'Initrode', threat: 'high' })]);
    expect(body.invoicesOverdue).toEqual([expect.objectContaining({ invoiceId: 'inv-1', amount: 12500, currency: 'EUR' })]);
    const before = (await app.http.get(`/v1/accounts/initech/relationship?at=${encodeURIComponent(ago(100))}`).expect(200)).body;
    expect(before.competitors).toEqual([]);
    expect(before.invoicesOverdue).toEqual([]);
  });

  it('answers 503 with Retry-After, not 500, while an older read model is upgraded', async () => {
    const pool = new Pool({ connectionString: app.database.url, max: 1 });
    const { rows } = await pool.query<{ schema_name: string }>('SELECT schema_name FROM rapport_read_model_active');
    const schema = rows[0].schema_name;
    // What a read model of version 1 lacks while the projector rebuilds it: the plan's table.
    await pool.query(`UPDATE rapport_read_model_active SET version = ${READ_MODEL_VERSION - 1}`);
    await pool.query(`ALTER TABLE ${schema}.rm_plan_actions RENAME TO rm_plan_actions_hidden`);
    try {
      const refused = await app.http.get('/v1/portfolio/actions').expect(503);
      expect(refused.headers['retry-after']).toBe('10');
      expect(refused.body.detail).toMatch(
        `version ${READ_MODEL_VERSION - 1} while the projector rebuilds it as version ${READ_MODEL_VERSION}`,
      );
      // What version 1 holds is answered as before.
      await app.http.get('/v1/portfolio/health').expect(200);
    } finally {
      await pool.query(`ALTER TABLE ${schema}.rm_plan_actions_hidden RENAME TO rm_plan_actions`);
      await pool.query(`UPDATE rapport_read_model_active SET version = ${READ_MODEL_VERSION}`);
      await pool.end();
    }
    // Once the new version is active, the same route answers.
    await app.http.get('/v1/portfolio/actions').expect(200);
  });
});
