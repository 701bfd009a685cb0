import { AccountEvent } from '../events/event-catalog';
import { AccountStreamEvent, foldAccount } from '../account/account-state';
import { addDays } from '../time/utc-days';
import { arrOn, arrSegments } from './arr';
import { arrAtRisk, churnRisk } from './churn-risk';
import { expansion } from './expansion';
import { accountHealth } from './health';
import { portfolioMetrics } from './portfolio-metrics';
import { DEFAULT_SCORING_CONFIG, scoringConfig } from './scoring-config';

let n = 0;
const ev = (occurredAt: string, event: AccountEvent): AccountStreamEvent => ({
  ...event,
  eventId: `e-${++n}`,
  occurredAt: occurredAt.length === 10 ? `${occurredAt}T12:00:00Z` : occurredAt,
});
const opened = (segment: 'enterprise' | 'mid_market' | 'smb' = 'enterprise') =>
  ev('2025-01-01', { type: 'AccountOpened', data: { name: 'A', segment } });
const signed = (contractId: string, arr: number, startDate: string, endDate: string, currency = 'EUR', products = ['core']) =>
  ev(startDate, { type: 'ContractSigned', data: { contractId, arr, currency, startDate, endDate, products } });
const amended = (contractId: string, arr: number, effectiveDate: string, reason: 'upsell' | 'cross_sell' | 'downgrade' | 'price_change') =>
  ev(effectiveDate, { type: 'ContractAmended', data: { contractId, arr, effectiveDate, reason } });
const at = (instant: string) => new Date(instant.length === 10 ? `${instant}T00:00:00Z` : instant);
const facts = (events: AccountStreamEvent[], when = '2030-01-01') => foldAccount('a', events, { at: at(when) });

describe('ARR of an account at a day', () => {
  const history = [
    opened(),
    signed('c', 1000, '2026-01-01', '2027-01-01'),
    amended('c', 1500, '2026-06-01', 'upsell'),
    ev('2026-11-15', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2026-12-01' } }),
    ev('2026-11-20', { type: 'RenewalWon', data: { renewalId: 'r', contractId: 'c', newEndDate: '2028-01-01', arr: 1600 } }),
    ev('2027-03-01', { type: 'ContractTerminated', data: { contractId: 'c', effectiveDate: '2027-06-01' } }),
  ];

  it.each([
    ['2025-12-31', undefined],
    ['2026-01-01', 1000],
    ['2026-05-31', 1000],
    ['2026-06-01', 1500],
    ['2026-12-31', 1500],
    ['2027-01-01', 1600],
    ['2027-05-31', 1600],
    ['2027-06-01', undefined],
  ])('on %s is %s', (day, expected) => {
    expect(arrOn(facts(history), day).get('EUR')).toBe(expected);
  });

  it('cuts into segments that give the same ARR on every day', () => {
    const events = [...history, signed('d', 250, '2026-03-01', '2026-09-01', 'USD'), amended('d', 300, '2026-05-01', 'price_change')];
    const segments = arrSegments(facts(events));
    for (let day = '2025-12-01'; day < '2027-07-01'; day = addDays(day, 1)) {
      const fromSegments = new Map<string, number>();
      for (const s of segments.filter((s) => s.from <= day && day < s.to))
        fromSegments.set(s.currency, (fromSegments.get(s.currency) ?? 0) + s.arr);
      expect([day, fromSegments]).toEqual([day, arrOn(facts(events), day)]);
    }
    expect(segments.filter((s) => s.contractId === 'c')).toEqual([
      { contractId: 'c', currency: 'EUR', from: '2026-01-01', to: '2026-06-01', arr: 1000 },
      { contractId: 'c', currency: 'EUR', from: '2026-06-01', to: '2027-01-01', arr: 1500 },
      { contractId: 'c', currency: 'EUR', from: '2027-01-01', to: '2027-06-01', arr: 1600 },
    ]);
  });

  it('knows only the events that occurred by the evaluation time', () => {
    // Before the renewal was won, the contract ends on 2027-01-01.
    expect(arrOn(facts(history, '2026-11-19'), '2027-01-01').size).toBe(0);
    expect(arrOn(facts(history, '2026-11-21'), '2027-01-01').get('EUR')).toBe(1600);
  });

  it('counts a renewal won the day the contract ends from that day on, at the new ARR', () => {
    const wonOnEnd = [
      opened(),
      signed('c', 1000, '2026-01-01', '2027-01-01'),
      ev('2026-12-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2027-01-01' } }),
      ev('2027-01-01T09:00:00Z', { type: 'RenewalWon', data: { renewalId: 'r', contractId: 'c', newEndDate: '2028-01-01', arr: 900 } }),
    ];
    expect(arrOn(facts(wonOnEnd), '2026-12-31').get('EUR')).toBe(1000);
    expect(arrOn(facts(wonOnEnd), '2027-01-01').get('EUR')).toBe(900);
  });

  it('sums contracts per currency and leaves retracted events out', () => {
    const usd = signed('u', 700.25, '2026-01-01', '2027-01-01', 'USD');
    const wrong = signed('w', 99, '2026-01-01', '2027-01-01', 'USD');
    const events = [
      opened(),
      signed('c', 0.1, '2026-01-01', '2027-01-01'),
      signed('d', 0.2, '2026-01-01', '2027-01-01'),
      usd,
      wrong,
      ev('2026-02-01', { type: 'EventRetracted', data: { targetEventId: wrong.eventId, reason: 'wrong account' } }),
    ];
    expect(Object.fromEntries(arrOn(facts(events), '2026-03-01'))).toEqual({ EUR: 0.3, USD: 700.25 });
  });
});

describe('portfolio metrics over [from, to)', () => {
  const from = '2026-01-01';
  const to = '2026-07-01';
  // scoring.md's example: A 500 → 450, B 300 → 400, C 200 → 0; plus D in USD, flat.
  const a = [
    opened(),
    signed('a', 500, '2025-06-01', '2027-06-01'),
    amended('a', 450, '2026-03-15', 'downgrade'),
    ev('2026-02-01', { type: 'SurveyResponded', data: { surveyId: 's1', kind: 'nps', score: 3 } }),
    ev('2026-05-01', { type: 'SurveyResponded', data: { surveyId: 's2', kind: 'nps', score: 10 } }),
  ];
  const b = [
    opened(),
    signed('b', 300, '2025-09-01', '2027-09-01'),
    amended('b', 400, '2026-04-01', 'upsell'),
    ev('2026-03-01', { type: 'SurveyResponded', data: { surveyId: 's', kind: 'nps', score: 5 } }),
  ];
  // C's contract ends exactly on `to`: it has ended within the period.
  const c = [
    opened(),
    signed('c', 200, '2025-07-01', to),
    ev('2026-05-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2026-06-01' } }),
    ev('2026-06-10', { type: 'RenewalLost', data: { renewalId: 'r', contractId: 'c', reason: 'competitor' } }),
    ev('2026-06-01', { type: 'SurveyResponded', data: { surveyId: 's', kind: 'nps', score: 8 } }),
  ];
  const d = [
    opened(),
    signed('d', 1000, '2025-01-01', '2028-01-01', 'USD'),
    // Tickets: opened before the period and resolved in it (30 h), opened and resolved in it (10 h, 20 h), opened in it only.
    ev('2025-12-31T18:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't0', severity: 'high' } }),
    ev('2026-01-02T00:00:00Z', { type: 'SupportTicketResolved', data: { ticketId: 't0' } }),
    ev('2026-02-01T00:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't1', severity: 'high' } }),
    ev('2026-02-01T10:00:00Z', { type: 'SupportTicketResolved', data: { ticketId: 't1' } }),
    ev('2026-03-01T00:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't2', severity: 'high' } }),
    ev('2026-03-01T20:00:00Z', { type: 'SupportTicketResolved', data: { ticketId: 't2' } }),
    ev('2026-06-30T00:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't3', severity: 'urgent' } }),
    ev('2026-07-01T00:00:00Z', { type: 'SupportTicketResolved', data: { ticketId: 't3' } }),
    ev('2025-12-01', { type: 'RenewalOpened', data: { renewalId: 'r0', contractId: 'd', dueDate: '2026-01-01' } }),
    ev('2025-12-20', { type: 'RenewalWon', data: { renewalId: 'r0', contractId: 'd', newEndDate: '2029-01-01', arr: 1000 } }),
    ev('2026-02-01', { type: 'RenewalOpened', data: { renewalId: 'r1', contractId: 'd', dueDate: '2026-03-01' } }),
  ];
  // E starts after `from`: not in the cohort.
  const e = [opened(), signed('e', 999, '2026-02-01', '2027-02-01')];

  const metrics = portfolioMetrics(
    [a, b, c, d, e].map((events) => facts(events)),
    from,
    to,
  );

  it("matches scoring.md's example in EUR", () => {
    expect(metrics.currencies.find((m) => m.currency === 'EUR')).toEqual({
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
    });
  });

  it('keeps currencies apart', () => {
    expect(metrics.currencies.find((m) => m.currency === 'USD')).toMatchObject({
      cohortSize: 1,
      startingArr: 1000,
      endingArr: 1000,
      grr: 1,
      nrr: 1,
      logoChurnRate: 0,
    });
  });

  it('counts renewals closed in the period and the latest NPS answer per account', () => {
    // Won r0 closed on 2025-12-20, before the period; only C's loss counts.
    expect(metrics.renewals).toEqual({ won: 0, lost: 1, rate: 0 });
    // Latest answers: A 10 (promoter), B 5 (detractor), C 8 (passive): (1 − 1) / 3.
    expect(metrics.nps).toEqual({ responses: 3, promoters: 1, detractors: 1, score: 0 });
    expect(metrics.lossReasons).toEqual({ competitor: 1 });
  });

  it('counts tickets opened and resolved in the period per severity, with the median time to resolve', () => {
    expect(metrics.tickets).toEqual([
      { severity: 'low', opened: 0, resolved: 0, medianResolutionHours: null },
      { severity: 'normal', opened: 0, resolved: 0, medianResolutionHours: null },
      // t1 and t2 opened in it; t0, t1, t2 resolved in it: median of 30, 10, 20 h
      { severity: 'high', opened: 2, resolved: 3, medianResolutionHours: 20 },
      // t3 opened on the period's last day, resolved after it
      { severity: 'urgent', opened: 1, resolved: 0, medianResolutionHours: null },
    ]);
  });

  it('has no currency at all without a cohort', () => {
    expect(portfolioMetrics([facts(e)], '2025-01-01', '2025-06-01').currencies).toEqual([]);
  });
});

describe('account health', () => {
  const T = '2026-06-30T00:00:00Z';
  const interaction = (date: string, extra: { sentiment?: number; executiveInvolved?: boolean } = {}) =>
    ev(date, { type: 'InteractionLogged', data: { interactionId: `i-${date}`, channel: 'call', direction: 'outbound', ...extra } });
  const healthy = [
    opened('enterprise'),
    signed('c', 1000, '2025-01-01', '2027-01-01'),
    amended('c', 1200, '2026-03-01', 'upsell'),
    ev('2026-06-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2026-08-15' } }),
    interaction('2026-03-22', { executiveInvolved: true }),
    ...['2026-04-05', '2026-04-15', '2026-05-01', '2026-05-20'].map((d) => interaction(d)),
    interaction('2026-06-10', { sentiment: 0.2 }),
    interaction('2026-06-23', { sentiment: 0.6 }),
    ev('2026-02-01', { type: 'SurveyResponded', data: { surveyId: 'n', kind: 'nps', score: 8 } }),
    ev('2026-05-01', { type: 'SurveyResponded', data: { surveyId: 'c', kind: 'csat', score: 4 } }),
    ev('2026-05-01T00:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't2', severity: 'normal' } }),
    ev('2026-05-04T00:00:00Z', { type: 'SupportTicketResolved', data: { ticketId: 't2' } }),
    ev('2026-06-25T00:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't1', severity: 'urgent' } }),
    ev('2026-06-01', { type: 'UsageReported', data: { product: 'core', activeUsers: 70, licensedUsers: 100 } }),
    ev('2026-06-01', { type: 'UsageReported', data: { product: 'bi', activeUsers: 90, licensedUsers: 100 } }),
  ];

  it('weights five components computed by hand', () => {
    const health = accountHealth(foldAccount('a', healthy, { at: at(T) }), at(T), DEFAULT_SCORING_CONFIG);
    const scores = Object.fromEntries(health.components.map((c) => [c.name, c.score]));
    expect(scores).toEqual({
      engagement: 80, // 0.4 × 100 (last 7 days ago) + 0.4 × 50 (6 of 12 in 90 days) + 0.2 × 100 (executive 100 days ago)
      sentiment: 75, // mean of NPS 8 → 80, CSAT 4 → 75, interaction sentiment 0.4 → 70
      support: 55, // 100 − 30 (urgent open 5 days: 20 + 2 × 5) − 15 (median 72 h: 30 × 24 / 48)
      adoption: 93.75, // mean of core 0.7 / 0.8 → 87.5 and bi 0.9 → 100 (capped)
      commercial: 85, // ARR 1200 against 1000 a year ago → 100, − 15 for the renewal due 2026-08-15
      relationship: null, // no stakeholder recorded: no data, and no weight in the coverage
    });
    // 0.25 × 80 + 0.2 × 75 + 0.15 × 55 + 0.2 × 93.75 + 0.2 × 85
    expect(health).toMatchObject({ score: 79, band: 'green', coverage: 1, churned: false, evaluatedAt: '2026-06-30T00:00:00.000Z' });
    expect(health.components.every((c) => (c.name === 'relationship' || c.hasData) && c.explanation.length > 0)).toBe(true);
    expect(health.components.find((c) => c.name === 'support')!.explanation).toContain('median resolution 72.0 h');
  });

  it('spreads the weight of components without data and reports the coverage', () => {
    const only = [opened('smb'), interaction('2026-06-20'), interaction('2026-06-01'), interaction('2026-05-01')];
    const health = accountHealth(foldAccount('a', only, { at: at(T) }), at(T), DEFAULT_SCORING_CONFIG);
    // Engagement alone: 0.4 × 100 + 0.4 × 100 (3 of 3) + 0 = 80, and 0.25 of the weight has data.
    expect(health).toMatchObject({ score: 80, band: 'green', coverage: 0.25 });
    expect(health.components.filter((c) => !c.hasData).map((c) => c.name)).toEqual([
      'sentiment',
      'support',
      'adoption',
      'commercial',
      'relationship',
    ]);
  });

  it('decays with time alone: recency falls linearly from 14 to 90 days', () => {
    const events = [opened('smb'), interaction('2026-01-01')];
    const score = (when: string) =>
      accountHealth(foldAccount('a', events, { at: at(when) }), at(when), DEFAULT_SCORING_CONFIG).components[0].score;
    // 52 days after (midday to midnight: 51.5 days): frequency 1/3 → 33.33; recency 100 × (90 − 51.5) / 76 = 50.66
    expect(score('2026-02-22')).toBeCloseTo(0.4 * ((100 * (90 - 51.5)) / 76) + 0.4 * (100 / 3), 2);
    expect(score('2026-05-01')).toBe(0);
  });

  it('uses configured weights and targets', () => {
    const config = scoringConfig({ weights: { support: 0 }, interactionTargets: { enterprise: 6 } });
    const health = accountHealth(foldAccount('a', healthy, { at: at(T) }), at(T), config);
    // engagement 0.4 × 100 + 0.4 × 100 + 20 = 100; support no longer counts: (25 + 15 + 18.75 + 17) / 0.85
    expect(health.components[0].score).toBe(100);
    expect(health.score).toBe(Math.round(((0.25 * 100 + 0.2 * 75 + 0.2 * 93.75 + 0.2 * 85) / 0.85) * 100) / 100);
    expect(() => scoringConfig({ weights: { engagement: -1 } })).toThrow('weights.engagement');
  });

  it('refuses a configuration naming what it does not know, and overrides a base other than the defaults', () => {
    expect(() => scoringConfig({ weights: { happiness: 1 } })).toThrow(expect.objectContaining({ field: 'weights.happiness' }));
    expect(() => scoringConfig({ churnPonts: {} })).toThrow(expect.objectContaining({ field: 'churnPonts' }));
    expect(() => scoringConfig({ churnPoints: 5 })).toThrow(expect.objectContaining({ field: 'churnPoints', reason: 'must be an object' }));
    expect(() => scoringConfig({ weights: { engagement: 0, sentiment: 0, support: 0, adoption: 0, commercial: 0 } })).toThrow(
      expect.objectContaining({ field: 'weights' }),
    );
    const noFit = { arrRank: 0, expansionPotential: 0, renewalLikelihood: 0, relationshipStrength: 0, strategicValue: 0, logoValue: 0 };
    expect(() => scoringConfig({ fitWeights: noFit })).toThrow(
      expect.objectContaining({ field: 'fitWeights', reason: 'must not all be 0' }),
    );
    expect(() => scoringConfig({ fitWeights: { arrRank: -2 } })).toThrow(expect.objectContaining({ field: 'fitWeights.arrRank' }));
    expect(() => scoringConfig({ fitWeights: { revenue: 1 } })).toThrow(expect.objectContaining({ field: 'fitWeights.revenue' }));
    expect(scoringConfig({ fitWeights: { logoValue: 0 } }).fitWeights).toEqual({
      ...noFit,
      arrRank: 1,
      expansionPotential: 1,
      renewalLikelihood: 1,
      relationshipStrength: 1,
      strategicValue: 1,
    });
    const base = scoringConfig({ churnPoints: { renewal_due: 30 } });
    expect(scoringConfig({ weights: { support: 0.5 } }, base)).toEqual({ ...base, weights: { ...base.weights, support: 0.5 } });
  });

  it('bands red below 40 and says churned when ARR is gone after a lost renewal', () => {
    const lost = [
      opened(),
      signed('c', 1000, '2025-01-01', '2026-01-01'),
      ev('2025-11-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2025-12-01' } }),
      ev('2025-12-15', { type: 'RenewalLost', data: { renewalId: 'r', contractId: 'c', reason: 'price' } }),
    ];
    expect(accountHealth(foldAccount('a', lost, { at: at('2025-12-20') }), at('2025-12-20'), DEFAULT_SCORING_CONFIG).churned).toBe(false);
    const after = accountHealth(foldAccount('a', lost, { at: at('2026-01-02') }), at('2026-01-02'), DEFAULT_SCORING_CONFIG);
    expect(after).toMatchObject({ churned: true, band: 'churned' });
    // Commercial: ARR 0 against 1000 a year before → 0: the only component with data.
    expect(after.score).toBe(0);
  });
});

describe('churn risk and ARR at risk', () => {
  const T = '2026-06-30T00:00:00Z';
  const risky = [
    opened('mid_market'),
    signed('c', 1000, '2025-09-01', '2026-09-01'),
    signed('u', 500, '2026-01-01', '2027-01-01', 'USD'),
    amended('c', 800, '2026-02-01', 'downgrade'),
    ev('2026-04-01', { type: 'InteractionLogged', data: { interactionId: 'i', channel: 'email', direction: 'inbound' } }),
    ev('2026-05-01', { type: 'SurveyResponded', data: { surveyId: 's', kind: 'nps', score: 5 } }),
    ev('2026-04-01', { type: 'UsageReported', data: { product: 'core', activeUsers: 80, licensedUsers: 100 } }),
    ev('2026-06-01', { type: 'UsageReported', data: { product: 'core', activeUsers: 60, licensedUsers: 100 } }),
    ev('2026-06-20T00:00:00Z', { type: 'SupportTicketOpened', data: { ticketId: 't', severity: 'urgent' } }),
  ];

  it('names each driver with its points and caps at 100', () => {
    const f = foldAccount('a', risky, { at: at(T) });
    const health = accountHealth(f, at(T), DEFAULT_SCORING_CONFIG);
    const risk = churnRisk(f, health, at(T), DEFAULT_SCORING_CONFIG);
    expect(risk.drivers.map((d) => [d.name, d.points])).toEqual([
      ['renewal_due', 15], // c ends 2026-09-01, within 90 days, no renewal won
      ['nps_detractor', 10],
      ['seat_drop', 10], // 0.8 → 0.6: −25 %
      ['urgent_ticket_aged', 15], // open 10 days
      ['no_recent_interaction', 10], // 90 days
      ['contraction', 10], // downgrade 149 days ago
    ]);
    expect(risk.base).toBe(Math.round((100 - health.score!) * 100) / 100);
    expect(risk.score).toBe(Math.min(100, risk.base + 70));
    expect(risk.drivers[0].explanation).toContain('c ends 2026-09-01');
  });

  it('counts ARR at risk per currency within the horizon, until a renewal is won', () => {
    expect(Object.fromEntries(arrAtRisk(foldAccount('a', risky, { at: at(T) }), at(T)))).toEqual({ EUR: 800 });
    expect(Object.fromEntries(arrAtRisk(foldAccount('a', risky, { at: at(T) }), at(T), 200))).toEqual({ EUR: 800, USD: 500 });
    const renewed = [
      ...risky,
      ev('2026-06-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2026-08-01' } }),
      ev('2026-06-15', { type: 'RenewalWon', data: { renewalId: 'r', contractId: 'c', newEndDate: '2027-09-01', arr: 800 } }),
    ];
    expect(arrAtRisk(foldAccount('a', renewed, { at: at(T) }), at(T)).size).toBe(0);
    // An open renewal due within the horizon puts its contract at risk even when the contract ends later.
    const dueSoon = [
      opened(),
      signed('x', 300, '2026-01-01', '2027-06-01'),
      ev('2026-06-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'x', dueDate: '2026-08-01' } }),
    ];
    expect(Object.fromEntries(arrAtRisk(foldAccount('a', dueSoon, { at: at(T) }), at(T)))).toEqual({ EUR: 300 });
  });
});

describe('expansion', () => {
  const T = '2026-06-30T00:00:00Z';
  const events = [
    opened(),
    signed('c', 1000, '2025-01-01', '2026-01-01', 'EUR', ['core']),
    ev('2025-12-01', { type: 'RenewalOpened', data: { renewalId: 'r', contractId: 'c', dueDate: '2025-12-15' } }),
    ev('2025-12-10', { type: 'RenewalWon', data: { renewalId: 'r', contractId: 'c', newEndDate: '2027-01-01', arr: 1100 } }),
    amended('c', 1400, '2026-03-01', 'cross_sell'),
    amended('c', 1300, '2026-04-01', 'downgrade'),
    amended('c', 1350, '2026-05-01', 'price_change'),
    ev('2026-06-01', { type: 'UsageReported', data: { product: 'core', activeUsers: 95, licensedUsers: 100 } }),
    ev('2026-06-02', { type: 'SurveyResponded', data: { surveyId: 's', kind: 'nps', score: 10 } }),
  ];

  it('realises increases by amendment and by renewal won, not decreases', () => {
    const f = foldAccount('a', events, { at: at(T) });
    const health = accountHealth(f, at(T), DEFAULT_SCORING_CONFIG);
    // +100 renewal on 2026-01-01, +300 cross-sell, +50 price change; the downgrade does not count.
    expect(expansion(f, health, at(T), new Set(['core']), { from: '2026-01-01', to: '2026-07-01' }).realised).toEqual({ EUR: 450 });
    expect(expansion(f, health, at(T), new Set(['core']), { from: '2026-02-01', to: '2026-07-01' }).realised).toEqual({ EUR: 350 });
  });

  it('signals seat pressure, advocates and cross-sell with reasons and potential', () => {
    const f = foldAccount('a', events, { at: at(T) });
    const green = { ...accountHealth(f, at(T), DEFAULT_SCORING_CONFIG), band: 'green' as const };
    const signals = expansion(f, green, at(T), new Set(['core', 'bi', 'api']), { from: '2026-01-01', to: '2026-07-01' }).signals;
    expect(signals).toEqual([
      { name: 'seat_pressure', reason: 'core: 95 of 100 seats used (95 %)', potential: { EUR: 270 } }, // 0.2 × 1350
      { name: 'cross_sell', reason: expect.stringContaining('not yet: api, bi'), potential: { EUR: 1350 } }, // 1350 / 1 × 2 × 0.5
      { name: 'advocate', reason: 'latest NPS 10 (a promoter)', potential: { EUR: 135 } }, // 0.1 × 1350
    ]);
    const yellow = { ...green, band: 'yellow' as const };
    expect(
      expansion(f, yellow, at(T), new Set(['core', 'bi']), { from: '2026-01-01', to: '2026-07-01' }).signals.map((s) => s.name),
    ).toEqual(['seat_pressure', 'advocate']);
  });
});
