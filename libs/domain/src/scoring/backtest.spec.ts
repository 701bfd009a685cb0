import { AccountEvent } from '../events/event-catalog';
import { StoredAccountEvent } from '../events/event-codec';
import { backtestAccount, backtestReport, BacktestRow, isMiss } from './backtest';
import { DEFAULT_SCORING_CONFIG } from './scoring-config';

const row = (
  n: number,
  outcome: 'won' | 'lost',
  score: number,
  band: BacktestRow['health']['band'],
  arr: number,
  drivers: BacktestRow['churnRisk']['drivers'] = [],
): BacktestRow => ({
  accountId: `a-${n}`,
  renewalId: `r-${n}`,
  contractId: `c-${n}`,
  dueDate: '2026-06-01',
  predictedAt: '2026-03-03T00:00:00.000Z',
  health: { score: 100 - score, band },
  churnRisk: { score, drivers },
  outcome,
  arr: { EUR: arr },
});

describe('backtestReport', () => {
  const options = { from: '2026-01-01', to: '2027-01-01', leadDays: 90, knowledge: 'valid' as const };
  const rows = [
    row(1, 'lost', 80, 'red', 100, ['renewal_due']),
    row(2, 'lost', 60, 'yellow', 200, ['renewal_due']),
    row(3, 'lost', 40, 'green', 300),
    row(4, 'won', 60, 'yellow', 10),
    row(5, 'won', 30, 'green', 20),
    row(6, 'won', 20, 'green', 30),
    row(7, 'won', 70, 'red', 40, ['renewal_due']),
  ];
  const report = backtestReport(rows, options, ['renewal_due', 'nps_detractor']);

  it('counts outcomes by band, and weighs them by ARR', () => {
    expect(report.outcomes).toEqual({ total: 7, won: 4, lost: 3 });
    expect(report.bands).toEqual([
      { band: 'red', won: 1, lost: 1 },
      { band: 'yellow', won: 1, lost: 1 },
      { band: 'green', won: 2, lost: 1 },
      { band: 'no data', won: 0, lost: 0 },
    ]);
    expect(report.arr).toEqual([
      {
        currency: 'EUR',
        won: 100,
        lost: 600,
        bands: [
          { band: 'red', won: 40, lost: 100 },
          { band: 'yellow', won: 10, lost: 200 },
          { band: 'green', won: 50, lost: 300 },
          { band: 'no data', won: 0, lost: 0 },
        ],
      },
    ]);
  });

  it('computes AUC by hand: 8.5 of 12 (lost, won) pairs ranked right, the tie counting half', () => {
    // 80 beats all four won; 60 beats 30 and 20 and ties 60; 40 beats 30 and 20: 4 + 2.5 + 2 = 8.5.
    expect(report.auc).toBe(0.7083);
    expect(report.roc[0]).toEqual({ threshold: 80, falsePositiveRate: 0, truePositiveRate: 0.3333 });
    expect(report.roc.at(-1)).toEqual({ threshold: 20, falsePositiveRate: 1, truePositiveRate: 1 });
  });

  it('scores "red" and "churn risk ≥ 60" as classifiers of a lost renewal, and the riskiest decile', () => {
    expect(report.red).toEqual({ flagged: 2, truePositives: 1, precision: 0.5, recall: 0.3333, f1: 0.4 });
    expect(report.churnRisk60).toEqual({ flagged: 4, truePositives: 2, precision: 0.5, recall: 0.6667, f1: 0.5714 });
    // One row in the top tenth (80, lost): a lost rate of 1 against 3/7.
    expect(report.riskiestDecileLift).toBe(2.3333);
  });

  it('compares the lost rate with and without each driver, and lists the misses', () => {
    expect(report.drivers).toEqual([
      { driver: 'renewal_due', present: { renewals: 3, lost: 2, lostRate: 0.6667 }, absent: { renewals: 4, lost: 1, lostRate: 0.25 } },
      { driver: 'nps_detractor', present: { renewals: 0, lost: 0, lostRate: null }, absent: { renewals: 7, lost: 3, lostRate: 0.4286 } },
    ]);
    expect(report.rows.filter(isMiss).map((r) => r.renewalId)).toEqual(['r-3', 'r-7']);
  });

  it('has no AUC, no ROC and no lift when a class is empty', () => {
    const allWon = backtestReport(
      rows.filter((r) => r.outcome === 'won'),
      options,
      [],
    );
    expect([allWon.auc, allWon.roc, allWon.riskiestDecileLift, allWon.red.recall]).toEqual([null, [], null, null]);
  });
});

describe('backtestAccount', () => {
  let n = 0;
  const stored = (occurredAt: string, fact: AccountEvent, recordedAt = occurredAt): StoredAccountEvent => ({
    ...fact,
    eventId: `e-${++n}`,
    accountId: 'acme',
    occurredAt,
    source: { system: 'crm', eventId: `s-${n}` },
    streamId: 'account-acme',
    version: n - 1,
    globalPosition: n,
    recordedAt: new Date(recordedAt),
    schemaVersion: 1,
  });
  const history = [
    stored('2025-06-01T00:00:00Z', { type: 'AccountOpened', data: { name: 'Acme', segment: 'smb' } }),
    stored('2025-06-02T00:00:00Z', {
      type: 'ContractSigned',
      data: { contractId: 'c1', products: ['core'], arr: 12_000, currency: 'EUR', startDate: '2025-07-01', endDate: '2026-07-01' },
    }),
    stored('2026-02-01T00:00:00Z', {
      type: 'InteractionLogged',
      data: { interactionId: 'm1', channel: 'meeting', direction: 'outbound', sentiment: 0.5 },
    }),
    stored('2026-03-01T00:00:00Z', { type: 'RenewalOpened', data: { renewalId: 'r1', contractId: 'c1', dueDate: '2026-07-01' } }),
    stored('2026-06-20T00:00:00Z', { type: 'RenewalLost', data: { renewalId: 'r1', contractId: 'c1', reason: 'price' } }),
  ];
  const options = { from: '2026-01-01', to: '2027-01-01', leadDays: 90, knowledge: 'valid' as const };

  it('predicts each renewal closed in the period at the start of the day leadDays before it was due', () => {
    const [prediction] = backtestAccount('acme', history, options, DEFAULT_SCORING_CONFIG);
    expect(prediction).toEqual(
      expect.objectContaining({
        renewalId: 'r1',
        dueDate: '2026-07-01',
        predictedAt: '2026-04-02T00:00:00.000Z',
        outcome: 'lost',
        arr: { EUR: 12000 },
      }),
    );
    expect(backtestAccount('acme', history, { ...options, from: '2026-07-01' }, DEFAULT_SCORING_CONFIG)).toEqual([]);
  });

  it('never lets a later fact move a prediction, nor, with knowledge=recorded, one recorded later', () => {
    const [base] = backtestAccount('acme', history, options, DEFAULT_SCORING_CONFIG);
    const detractorLater = stored('2026-05-01T00:00:00Z', { type: 'SurveyResponded', data: { surveyId: 's', kind: 'nps', score: 1 } });
    expect(backtestAccount('acme', [...history, detractorLater], options, DEFAULT_SCORING_CONFIG)).toEqual([base]);

    const detractorBackdated = stored(
      '2026-03-15T00:00:00Z',
      { type: 'SurveyResponded', data: { surveyId: 's2', kind: 'nps', score: 1 } },
      '2026-06-25T00:00:00Z',
    );
    const withBackdated = [...history, detractorBackdated];
    const [valid] = backtestAccount('acme', withBackdated, options, DEFAULT_SCORING_CONFIG);
    expect(valid.churnRisk.drivers).toContain('nps_detractor');
    const [recorded] = backtestAccount('acme', withBackdated, { ...options, knowledge: 'recorded' }, DEFAULT_SCORING_CONFIG);
    expect(recorded).toEqual(base);
  });
});
