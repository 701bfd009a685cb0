import { DEFAULT_SCORING_CONFIG, Health } from '@rapport/domain';
import healthEventSchema from '../../../docs/schemas/rapport.account-health.v1.schema.json';
import { AccountProjection } from './account-projection';
import { CHURN_RISK_THRESHOLD, outboundEvents, outboundFigures, PreviousFigures } from './outbound-events';

const CAUSE = { eventId: '7d4f3c2a-0b1e-5c6d-8e9f-0a1b2c3d4e5f', globalPosition: 42 };
const AT = '2026-11-23T10:00:00.000Z';
/** The outbound ids of one cause, as the code before `uuidV5` (the uuid library's v5) derived them: they must not change. */
const PINNED_IDS = [
  ['AccountHealthChanged', '7b3cb0fd-6d69-5d67-9921-dfe64c2ca273'],
  ['ChurnRiskRaised', '50284bf1-aba9-522e-b169-2f0eb676e524'],
  ['ExpansionSignalDetected', 'adfa95e7-0145-5da5-8a51-33583f95a68a'],
];

function projection(figures: {
  score: number | null;
  band: Health['band'];
  churn: number;
  signals?: string[];
  overdue?: string[];
}): AccountProjection {
  const health = {
    score: figures.score,
    band: figures.band,
    coverage: 1,
    churned: figures.band === 'churned',
    evaluatedAt: AT,
    components: [],
  };
  return {
    accountId: 'acme',
    lastPosition: 42,
    evaluatedAt: new Date(AT),
    profile: { opened: true, name: 'Acme', segment: null, ownerId: null, keyAccount: false },
    arr: { EUR: 1000 },
    products: [],
    health,
    churn: { score: figures.churn, base: figures.churn, drivers: [] },
    arrAtRisk: {},
    signals: (figures.signals ?? []).map((name) => ({ name: name as 'advocate', reason: 'why', potential: {} })),
    openRenewals: [],
    segments: [],
    terms: [],
    renewalOutcomes: [],
    npsResponses: [],
    realisedExpansion: [],
    cadence: null,
    assessment: null,
    tickets: [],
    actions: figures.overdue
      ? figures.overdue.map((actionId) => ({
          actionId,
          goalId: null,
          description: 'Call the sponsor',
          ownerId: 'jane',
          dueDate: '2026-11-01',
          status: 'open' as const,
          completedAt: null,
          overdue: true,
        }))
      : [],
  };
}

/** given(previous figures).when(new projection).then(types raised) */
const given = (previous: PreviousFigures | undefined) => ({
  when: (next: AccountProjection) => ({
    then: (types: string[]) => {
      const events = outboundEvents(previous, next, CAUSE, AT);
      expect(events.map((e) => e.type)).toEqual(types);
      return events;
    },
  }),
});

const before = (healthScore: number | null, healthBand: string | null, churnScore: number, signals: string[] = []): PreviousFigures => ({
  healthScore,
  healthBand,
  churnScore,
  signals: signals.map((name) => ({ name })),
  overdueActions: [],
});

describe('outbound events', () => {
  it('raise AccountHealthChanged when the band changes or the score moves by 5 points or more', () => {
    given(before(72, 'green', 30))
      .when(projection({ score: 68, band: 'yellow', churn: 30 }))
      .then(['AccountHealthChanged']);
    given(before(60, 'yellow', 30))
      .when(projection({ score: 55, band: 'yellow', churn: 30 }))
      .then(['AccountHealthChanged']);
    given(before(60, 'yellow', 30))
      .when(projection({ score: 55.01, band: 'yellow', churn: 30 }))
      .then([]);
    given(before(null, null, 50))
      .when(projection({ score: 50, band: 'yellow', churn: 50 }))
      .then(['AccountHealthChanged']);
  });

  it('raise ChurnRiskRaised only when the risk crosses the threshold upward', () => {
    const [raised] = given(before(50, 'yellow', CHURN_RISK_THRESHOLD - 1))
      .when(projection({ score: 50, band: 'yellow', churn: CHURN_RISK_THRESHOLD }))
      .then(['ChurnRiskRaised']);
    expect(raised.figures).toMatchObject({ score: CHURN_RISK_THRESHOLD, previousScore: CHURN_RISK_THRESHOLD - 1 });
    given(before(50, 'yellow', 70))
      .when(projection({ score: 50, band: 'yellow', churn: 80 }))
      .then([]);
    given(undefined)
      .when(projection({ score: null, band: null, churn: 60 }))
      .then(['ChurnRiskRaised']);
  });

  it('raise ExpansionSignalDetected for each new signal, and AccountChurned once', () => {
    given(before(80, 'green', 20, ['seat_pressure']))
      .when(projection({ score: 80, band: 'green', churn: 20, signals: ['seat_pressure', 'advocate'] }))
      .then(['ExpansionSignalDetected']);
    given(before(30, 'red', 90))
      .when(projection({ score: 30, band: 'churned', churn: 90 }))
      .then(['AccountHealthChanged', 'AccountChurned']);
    given(before(30, 'churned', 90))
      .when(projection({ score: 30, band: 'churned', churn: 90 }))
      .then([]);
  });

  it('raise ActionOverdue once for each plan action that became overdue, naming it', () => {
    const events = given(before(80, 'green', 20))
      .when(projection({ score: 80, band: 'green', churn: 20, overdue: ['a-1', 'a-2'] }))
      .then(['ActionOverdue', 'ActionOverdue']);
    expect(events.map((e) => e.figures)).toEqual([
      { action: { actionId: 'a-1', goalId: null, description: 'Call the sponsor', ownerId: 'jane', dueDate: '2026-11-01' } },
      { action: { actionId: 'a-2', goalId: null, description: 'Call the sponsor', ownerId: 'jane', dueDate: '2026-11-01' } },
    ]);
    given({ ...before(80, 'green', 20), overdueActions: ['a-1'] })
      .when(projection({ score: 80, band: 'green', churn: 20, overdue: ['a-1', 'a-2'] }))
      .then(['ActionOverdue']);
  });

  it('derive stable ids from the cause, so a replayed batch raises the same events', () => {
    const next = projection({ score: 30, band: 'red', churn: 75, signals: ['advocate'] });
    const first = outboundEvents(before(80, 'green', 20), next, CAUSE, AT);
    const again = outboundEvents(before(80, 'green', 20), next, CAUSE, AT);
    expect(again).toEqual(first);
    expect(new Set(first.map((e) => e.eventId)).size).toBe(first.length);
    expect(
      outboundEvents(before(80, 'green', 20), next, { ...CAUSE, eventId: '00000000-0000-5000-8000-000000000000' }, AT)[0].eventId,
    ).not.toBe(first[0].eventId);
    expect(first[0]).toMatchObject({ accountId: 'acme', occurredAt: AT, causedBy: CAUSE });
  });

  it('are the same from the figures the projector keeps until its transaction as from the whole projection', () => {
    const whole = projection({ score: 30, band: 'churned', churn: 90, signals: ['advocate', 'seat_pressure'], overdue: ['a-1'] });
    whole.actions.push({ ...whole.actions[0], actionId: 'a-2', overdue: false });
    whole.churn.drivers.push({ name: 'no_recent_interaction', points: 10, explanation: 'no interaction in 90 days' });
    whole.arrAtRisk = { EUR: 1000 };
    const kept = outboundFigures(whole);
    expect(outboundEvents(undefined, whole, CAUSE, AT).map((e) => e.type)).toEqual([
      'AccountHealthChanged',
      'ChurnRiskRaised',
      'ExpansionSignalDetected',
      'ExpansionSignalDetected',
      'AccountChurned',
      'ActionOverdue',
    ]);
    for (const previous of [undefined, before(80, 'green', 20), before(30, 'churned', 90, ['advocate'])]) {
      expect(outboundEvents(previous, kept, CAUSE, AT)).toEqual(outboundEvents(previous, whole, CAUSE, AT));
    }
  });

  it('keep the ids consumers have already seen for the same cause', () => {
    const next = projection({ score: 30, band: 'red', churn: 75, signals: ['advocate'] });
    expect(outboundEvents(before(80, 'green', 20), next, CAUSE, AT).map((e) => [e.type, e.eventId])).toEqual(PINNED_IDS);
  });
});

describe('the published schema of health events', () => {
  it('names every churn driver the scoring can produce', () => {
    const schema = JSON.stringify(healthEventSchema);
    for (const driver of Object.keys(DEFAULT_SCORING_CONFIG.churnPoints))
      expect([driver, schema.includes(`"${driver}"`)]).toEqual([driver, true]);
  });
});
