import { AccountEvent } from '../events/event-catalog';
import { AccountStreamEvent, foldAccount } from '../account/account-state';
import { churnRisk } from './churn-risk';
import { accountHealth } from './health';
import { accountPlan, cadenceStatus, relationshipGrowth } from './relationship';
import { DEFAULT_SCORING_CONFIG, scoringConfig } from './scoring-config';

let n = 0;
const ev = (occurredAt: string, event: AccountEvent): AccountStreamEvent => ({
  ...event,
  eventId: `e-${++n}`,
  occurredAt: `${occurredAt}T12:00:00Z`,
});
const T = new Date('2026-06-30T00:00:00Z');
const opened = ev('2025-01-01', { type: 'AccountOpened', data: { name: 'A', segment: 'enterprise' } });
const stakeholder = (day: string, contactId: string, role: 'decision_maker' | 'champion' | 'user' | 'sponsor') =>
  ev(day, { type: 'StakeholderIdentified', data: { contactId, role } });
const met = (day: string, contactIds: string[], channel: 'meeting' | 'business_review' = 'meeting') =>
  ev(day, { type: 'InteractionLogged', data: { interactionId: `i-${day}`, channel, direction: 'outbound', contactIds } });
const health = (events: AccountStreamEvent[], config = DEFAULT_SCORING_CONFIG) =>
  accountHealth(foldAccount('a', events, { at: T }), T, config);
const drivers = (events: AccountStreamEvent[]) => {
  const state = foldAccount('a', events, { at: T });
  return churnRisk(state, accountHealth(state, T, DEFAULT_SCORING_CONFIG), T, DEFAULT_SCORING_CONFIG).drivers;
};
const relationship = (events: AccountStreamEvent[]) => health(events).components.find((c) => c.name === 'relationship')!;

describe('relationship component', () => {
  const people = [
    opened,
    stakeholder('2026-01-10', 'dm', 'decision_maker'),
    stakeholder('2026-01-10', 'ch', 'champion'),
    stakeholder('2026-01-10', 'u', 'user'),
    met('2026-02-01', ['dm']), // 149 days before T: known, no longer engaged
    met('2026-06-10', ['ch', 'u']),
  ];

  it('scores stakeholder coverage and breadth by hand', () => {
    // decision maker known, not engaged in 90 days: 20; champion engaged: 30; breadth 30 × 2/3 engaged = 20
    expect(relationship(people)).toMatchObject({ score: 70, hasData: true, weight: 0.15 });
    expect(relationship(people).explanation).toBe(
      'decision maker known but not engaged in 90 days; champion or sponsor known and engaged in 90 days; ' +
        '2 of 3 active stakeholder(s) engaged in 90 days',
    );
    // Meeting the decision maker again: 40 + 30 + 30.
    expect(relationship([...people, met('2026-06-20', ['dm'])]).score).toBe(100);
    // A contact who left counts no more: the champion leaves → 20 + 0 + 30 × 1/3.
    const left = ev('2026-06-25', { type: 'StakeholderLeft', data: { contactId: 'ch' } });
    expect(relationship([...people, left]).score).toBe(30);
  });

  it('has no data and no weight without stakeholders: health and coverage as before it existed', () => {
    const without = people
      .filter((e) => e.type !== 'StakeholderIdentified')
      .map((e) =>
        // the same interactions, naming nobody
        e.type === 'InteractionLogged' ? { ...e, data: { ...e.data, contactIds: undefined } } : e,
      );
    const h = health(without);
    expect(relationship(without)).toMatchObject({ score: null, hasData: false });
    const engagement = h.components.find((c) => c.name === 'engagement')!;
    // Engagement alone has data: the score is its score and coverage its share of the five weights (0.25 / 1).
    expect(h).toMatchObject({ score: engagement.score, coverage: 0.25 });
    // With stakeholders, relationship weighs: (0.25 × engagement + 0.15 × 70) / 0.4, over 1.15 of weight.
    const withPeople = health(people);
    // (engagement's reported score is rounded to 2 decimals; the health is computed from the unrounded one)
    expect(withPeople.score).toBeCloseTo((0.25 * engagement.score! + 0.15 * 70) / 0.4, 1);
    expect(withPeople.coverage).toBe(Math.round((0.4 / 1.15) * 100) / 100);
  });

  it('takes its weight from RAPPORT_SCORING like every other', () => {
    expect(relationship(people)).toMatchObject({ weight: 0.15 });
    expect(health(people, scoringConfig({ weights: { relationship: 0.5 } })).components.at(-1)).toMatchObject({ weight: 0.5 });
    expect(() => scoringConfig({ weights: { engagement: 0, sentiment: 0, support: 0, adoption: 0, commercial: 0 } })).toThrow(
      expect.objectContaining({ field: 'weights' }),
    );
  });
});

describe('key-account churn drivers', () => {
  const names = (events: AccountStreamEvent[]) => drivers(events).map((d) => d.name);
  const recent = met('2026-06-25', []); // keeps no_recent_interaction quiet

  it('single_threaded: fewer than two stakeholders engaged in 90 days', () => {
    const one = [opened, stakeholder('2026-01-10', 'ch', 'champion'), stakeholder('2026-01-10', 'u', 'user'), met('2026-06-10', ['ch'])];
    expect(names(one)).toContain('single_threaded');
    expect(drivers(one).find((d) => d.name === 'single_threaded')).toEqual({
      name: 'single_threaded',
      points: 10,
      explanation:
        'only one stakeholder named in an interaction of the last 90 days (2 active): the relationship hangs on a single contact',
    });
    expect(names([...one, met('2026-06-11', ['u'])])).not.toContain('single_threaded');
    expect(names([opened, recent])).not.toContain('single_threaded');
  });

  it('champion_left: a champion left in 90 days and nobody replaced them', () => {
    const base = [
      opened,
      stakeholder('2026-01-10', 'ch', 'champion'),
      stakeholder('2026-01-10', 'dm', 'decision_maker'),
      met('2026-06-10', ['ch', 'dm']),
    ];
    const left = ev('2026-06-01', { type: 'StakeholderLeft', data: { contactId: 'ch' } });
    expect(names([...base, left])).toContain('champion_left');
    expect(names([...base, left, stakeholder('2026-06-15', 'ch2', 'champion')])).not.toContain('champion_left');
    const longAgo = ev('2026-03-01', { type: 'StakeholderLeft', data: { contactId: 'ch' } });
    expect(names([...base, longAgo])).not.toContain('champion_left');
  });

  it('review_overdue and cadence_missed against the agreed cadence', () => {
    const agreed = ev('2026-01-01', { type: 'CadenceAgreed', data: { touchEveryDays: 14, reviewEveryDays: 90 } });
    const events = [opened, agreed, met('2026-03-01', [], 'business_review'), met('2026-06-10', [])];
    const state = foldAccount('a', events, { at: T });
    expect(cadenceStatus(state, T.getTime())).toEqual({
      touchEveryDays: 14,
      reviewEveryDays: 90,
      agreedAt: '2026-01-01T12:00:00.000Z',
      lastTouchAt: '2026-06-10T12:00:00.000Z',
      nextTouchDue: '2026-06-24',
      touchOverdue: true,
      lastReviewAt: '2026-03-01T12:00:00.000Z',
      nextReviewDue: '2026-05-30',
      reviewOverdue: true,
    });
    expect(names(events)).toEqual(expect.arrayContaining(['review_overdue', 'cadence_missed']));
    const kept = [...events, met('2026-06-20', [], 'business_review')];
    expect(names(kept)).not.toContain('review_overdue');
    expect(names(kept)).not.toContain('cadence_missed');
    expect(names([opened, recent])).not.toContain('cadence_missed');
  });

  it('competitor_present, invoice_overdue and plan_actions_overdue', () => {
    const rival = (threat: 'high' | 'medium') => ev('2026-05-01', { type: 'CompetitorDetected', data: { competitor: 'Rival', threat } });
    expect(names([opened, recent, rival('high')])).toContain('competitor_present');
    expect(names([opened, recent, rival('medium')])).not.toContain('competitor_present');
    const cleared = ev('2026-06-01', { type: 'CompetitorCleared', data: { competitor: 'Rival' } });
    expect(names([opened, recent, rival('high'), cleared])).not.toContain('competitor_present');

    const invoice = (invoiceId: string, dueDate: string) =>
      ev('2026-04-01', { type: 'InvoiceIssued', data: { invoiceId, amount: 900, currency: 'EUR', dueDate } });
    // due 2026-05-15: 46 days late at T; due 2026-06-10: 20 days late, within the 30 days of grace.
    expect(names([opened, recent, invoice('late', '2026-05-15')])).toContain('invoice_overdue');
    expect(names([opened, recent, invoice('soon', '2026-06-10')])).not.toContain('invoice_overdue');
    const paid = ev('2026-06-20', { type: 'InvoicePaid', data: { invoiceId: 'late' } });
    expect(names([opened, recent, invoice('late', '2026-05-15'), paid])).not.toContain('invoice_overdue');

    const action = ev('2026-06-01', {
      type: 'ActionPlanned',
      data: { actionId: 'a-1', description: 'Exec sponsor call', ownerId: 'am-1', dueDate: '2026-06-29' },
    });
    expect(drivers([opened, recent, action]).find((d) => d.name === 'plan_actions_overdue')).toEqual({
      name: 'plan_actions_overdue',
      points: 5,
      explanation: '1 plan action(s) past their due date: a-1 (due 2026-06-29)',
    });
    const done = ev('2026-06-29', { type: 'ActionCompleted', data: { actionId: 'a-1' } });
    expect(names([opened, recent, action, done])).not.toContain('plan_actions_overdue');
  });

  it('adds the points of every driver to the churn risk', () => {
    const state = foldAccount('a', [opened, recent], { at: T });
    const quiet = churnRisk(state, accountHealth(state, T, DEFAULT_SCORING_CONFIG), T, DEFAULT_SCORING_CONFIG);
    const rival = ev('2026-05-01', { type: 'CompetitorDetected', data: { competitor: 'Rival', threat: 'high' } });
    const loud = foldAccount('a', [opened, recent, rival], { at: T });
    const risk = churnRisk(loud, accountHealth(loud, T, DEFAULT_SCORING_CONFIG), T, DEFAULT_SCORING_CONFIG);
    expect(risk.score).toBe(quiet.score + 10);
    const config = scoringConfig({ churnPoints: { competitor_present: 25 } });
    expect(churnRisk(loud, accountHealth(loud, T, config), T, config).score).toBe(quiet.score + 25);
  });
});

describe('account plan', () => {
  it('lists goals with their actions, and actions without a goal, with status and overdue flags at T', () => {
    const events = [
      opened,
      ev('2026-01-05', {
        type: 'AccountGoalSet',
        data: { goalId: 'g-1', description: 'Expand to EMEA', dueDate: '2026-12-31', target: '+2 BUs' },
      }),
      ev('2026-01-05', { type: 'AccountGoalSet', data: { goalId: 'g-2', description: 'Exec alignment', dueDate: '2026-03-31' } }),
      ev('2026-01-06', {
        type: 'ActionPlanned',
        data: { actionId: 'a-1', goalId: 'g-1', description: 'Map EMEA buyers', ownerId: 'am-1', dueDate: '2026-06-01' },
      }),
      ev('2026-01-06', {
        type: 'ActionPlanned',
        data: { actionId: 'a-2', goalId: 'g-1', description: 'Pilot in Paris', ownerId: 'am-2', dueDate: '2026-09-01' },
      }),
      ev('2026-01-07', {
        type: 'ActionPlanned',
        data: { actionId: 'a-3', description: 'Send QBR deck', ownerId: 'am-1', dueDate: '2026-02-01' },
      }),
      ev('2026-01-30', { type: 'ActionCompleted', data: { actionId: 'a-3' } }),
      ev('2026-07-15', { type: 'AccountGoalClosed', data: { goalId: 'g-2', outcome: 'missed' } }), // after T: not yet
    ];
    const plan = accountPlan(foldAccount('a', events), T.getTime());
    expect(plan.goals.map((g) => [g.goalId, g.status, g.overdue, g.actions.map((a) => [a.actionId, a.status, a.overdue])])).toEqual([
      [
        'g-1',
        'open',
        false,
        [
          ['a-1', 'open', true],
          ['a-2', 'open', false],
        ],
      ],
      ['g-2', 'open', true, []],
    ]);
    expect(plan.actions).toEqual([
      {
        actionId: 'a-3',
        goalId: null,
        description: 'Send QBR deck',
        ownerId: 'am-1',
        dueDate: '2026-02-01',
        status: 'completed',
        completedAt: '2026-01-30T12:00:00.000Z',
        overdue: false,
      },
    ]);
    expect(plan).toMatchObject({ openActions: 2, overdueActions: 1 });
    const later = accountPlan(foldAccount('a', events), Date.parse('2026-08-01T00:00:00Z'));
    expect(later.goals[1]).toMatchObject({ status: 'missed', overdue: false, closedAt: '2026-07-15T12:00:00.000Z' });
  });
});

describe('relationship growth', () => {
  it('counts tenure, renewals won, referrals, programme participation and products added, by hand', () => {
    const contract = (contractId: string, startDate: string, products: string[]) =>
      ev(startDate, {
        type: 'ContractSigned',
        data: { contractId, products, arr: 1000, currency: 'EUR', startDate, endDate: '2027-01-01' },
      });
    const events = [
      opened,
      contract('c-1', '2025-03-01', ['core']),
      contract('c-2', '2026-02-01', ['core', 'bi']),
      contract('c-3', '2026-09-01', ['ai']), // starts after T
      ev('2025-10-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c-1', dueDate: '2025-12-01' } }),
      ev('2025-11-01', { type: 'RenewalWon', data: { renewalId: 'r', contractId: 'c-1', newEndDate: '2027-06-01', arr: 1100 } }),
      ev('2025-04-01', { type: 'ReferralGiven', data: {} }),
      ev('2026-05-01', { type: 'ReferralGiven', data: {} }),
      met('2026-03-01', []),
      ev('2025-05-01', { type: 'InteractionLogged', data: { interactionId: 'tr', channel: 'training', direction: 'outbound' } }),
      ev('2026-04-01', { type: 'InteractionLogged', data: { interactionId: 'ev', channel: 'event', direction: 'inbound' } }),
    ];
    expect(relationshipGrowth(foldAccount('a', events), T.getTime())).toEqual({
      tenureDays: 486, // 2025-03-01 → 2026-06-30
      renewalsWon: 1,
      referrals: { total: 2, last365Days: 1 },
      programmeParticipation: { total: 2, last365Days: 1 },
      productsAdded: ['bi'],
    });
    expect(relationshipGrowth(foldAccount('a', [opened]), T.getTime())).toMatchObject({ tenureDays: null, productsAdded: [] });
  });
});
