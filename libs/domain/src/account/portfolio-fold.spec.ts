import { AccountEvent } from '../events/event-catalog';
import { AccountStreamEvent, foldAccount, PortfolioFold } from './account-state';

let n = 0;
const event = (occurredAt: string, fact: AccountEvent): AccountStreamEvent => ({ ...fact, eventId: `e-${++n}`, occurredAt });

describe('PortfolioFold', () => {
  it('gives each account the state foldAccount gives it, from events interleaved in log order, retractions known beforehand', () => {
    const contract = (id: string, arr: number): AccountEvent => ({
      type: 'ContractSigned',
      data: { contractId: id, products: ['core'], arr, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-01-01' },
    });
    const a1 = event('2026-01-01T00:00:00Z', contract('c1', 1000));
    const b1 = event('2026-01-02T00:00:00Z', contract('c2', 2000));
    const a2 = event('2026-01-03T00:00:00Z', {
      type: 'ContractAmended',
      data: { contractId: 'c1', effectiveDate: '2026-02-01', arr: 1500, reason: 'upsell' },
    });
    const b2 = event('2026-03-01T00:00:00Z', { type: 'SurveyResponded', data: { surveyId: 's', kind: 'nps', score: 9 } });
    const retractA2 = event('2026-01-04T00:00:00Z', { type: 'EventRetracted', data: { targetEventId: a2.eventId, reason: 'typo' } });
    const log: Array<[string, AccountStreamEvent]> = [
      ['a', a1],
      ['b', b1],
      ['a', a2],
      ['b', b2],
      ['a', retractA2],
    ];
    const at = new Date('2026-02-15T00:00:00Z');
    const fold = new PortfolioFold(new Set([a2.eventId]), { at });
    for (const [accountId, e] of log) fold.add(accountId, e);
    const byAccount = new Map(fold.states().map((s) => [s.accountId, s]));
    for (const accountId of ['a', 'b']) {
      const stream = log.filter(([id]) => id === accountId).map(([, e]) => e);
      expect({ ...byAccount.get(accountId), retracted: null }).toEqual({ ...foldAccount(accountId, stream, { at }), retracted: null });
    }
    expect(byAccount.get('a')!.contracts.get('c1')!.arr).toBe(1000);
    expect(byAccount.get('b')!.surveys).toEqual([]);
  });
});
