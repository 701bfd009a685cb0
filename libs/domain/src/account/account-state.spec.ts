import { AccountEvent } from '../events/event-catalog';
import { AccountStreamEvent, foldAccount, initialAccountState, PortfolioFold } from './account-state';

let n = 0;
const event = (fact: AccountEvent): AccountStreamEvent => ({ ...fact, eventId: `e-${++n}`, occurredAt: '2026-01-01T00:00:00Z' });
const ticket = (ticketId: string): AccountEvent => ({ type: 'SupportTicketOpened', data: { ticketId, severity: 'high' } });
const KEYED = ['tickets', 'contracts', 'renewals', 'stakeholders', 'goals', 'actions', 'competitors', 'invoices', 'eventTypes'] as const;

describe('an account state’s keyed collections', () => {
  it('start empty and become each state’s own at their first entry: one account’s entries never show in another’s', () => {
    const a = foldAccount('a', [event(ticket('t-a'))]);
    const b = foldAccount('b', [event(ticket('t-b'))]);
    const fresh = foldAccount('c', []);
    expect([...a.tickets.keys()]).toEqual(['t-a']);
    expect([...b.tickets.keys()]).toEqual(['t-b']);
    expect(a.eventTypes.size).toBe(1);
    for (const key of KEYED) expect(fresh[key].size).toBe(0);
    expect(fresh.retracted.size).toBe(0);
  });

  it('keeps a portfolio fold’s accounts apart as well', () => {
    const fold = new PortfolioFold(new Set());
    fold.add('a', event(ticket('t-1')));
    fold.add('b', event({ type: 'CompetitorDetected', data: { competitor: 'Rival', threat: 'high' } }));
    const [a, b] = fold.states();
    expect([...a.tickets.keys()]).toEqual(['t-1']);
    expect(b.tickets.size).toBe(0);
    expect([...b.competitors.keys()]).toEqual(['Rival']);
    expect(a.competitors.size).toBe(0);
  });

  it('refuse a write outside evolve while they are the shared empty one, so that it cannot reach every state', () => {
    const state = initialAccountState('a', new Set());
    for (const key of KEYED) {
      expect(() => (state[key] as Map<string, unknown>).set('x', {})).toThrow(/read-only/);
      expect(() => state[key].delete('x')).toThrow(/read-only/);
      expect(() => state[key].clear()).toThrow(/read-only/);
    }
    expect(foldAccount('b', []).tickets.size).toBe(0);
  });

  it('leave retracted events out, the retractions among the folded events', () => {
    const opened = event({ type: 'SupportTicketOpened', data: { ticketId: 't-1', severity: 'low' } });
    const retraction = event({ type: 'EventRetracted', data: { targetEventId: opened.eventId, reason: 'duplicate' } });
    const state = foldAccount('a', [opened, retraction]);
    expect(state.tickets.size).toBe(0);
    expect([...state.retracted]).toEqual([opened.eventId]);
    expect(foldAccount('b', [event(ticket('t-2'))]).retracted.size).toBe(0);
  });
});
