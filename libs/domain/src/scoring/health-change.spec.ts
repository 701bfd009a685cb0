import { AccountEvent } from '../events/event-catalog';
import { StoredAccountEvent } from '../events/event-codec';
import { healthChange } from './health-change';
import { DEFAULT_SCORING_CONFIG } from './scoring-config';

let position = 0;
function stored(occurredAt: string, fact: AccountEvent, recordedAt = occurredAt): StoredAccountEvent {
  position += 1;
  return {
    ...fact,
    eventId: `e-${position}`,
    accountId: 'acme',
    occurredAt,
    source: { system: 'crm', eventId: `s-${position}` },
    streamId: 'account-acme',
    version: position - 1,
    globalPosition: position,
    recordedAt: new Date(recordedAt),
    schemaVersion: 1,
    recordedBy: 'key-crm',
  };
}

const meeting = (id: string, sentiment: number): AccountEvent => ({
  type: 'InteractionLogged',
  data: { interactionId: id, channel: 'meeting', direction: 'outbound', sentiment },
});

describe('healthChange', () => {
  position = 0;
  const opened = stored('2026-01-01T00:00:00Z', { type: 'AccountOpened', data: { name: 'Acme', segment: 'smb' } });
  const first = stored('2026-01-05T00:00:00Z', meeting('m1', 0.8));
  const angry = stored('2026-02-10T00:00:00Z', meeting('m2', -1), '2026-02-11T00:00:00Z');
  const retraction = stored(
    '2026-02-12T00:00:00Z',
    { type: 'EventRetracted', data: { targetEventId: first.eventId, reason: 'wrong account' } },
    '2026-02-12T00:00:00Z',
  );
  const events = [opened, first, angry, retraction];
  const point = (at: string, known: number) => ({ at: new Date(at), position: known });

  it('shows what time alone did when no event came in between', () => {
    const change = healthChange('acme', events, point('2026-01-10T00:00:00Z', 2), point('2026-03-01T00:00:00Z', 2), DEFAULT_SCORING_CONFIG);
    expect(change.causes).toEqual([]);
    const engagement = change.components.find((c) => c.name === 'engagement')!;
    // Recency: 5 days old (100) → 55 days old (100 × 35/76); frequency 1 of the smb target, unchanged.
    expect(engagement.passageOfTime).toEqual({
      delta: engagement.delta,
      explanation: expect.stringContaining('last interaction 55 days ago'),
    });
    expect(engagement.delta).toBeCloseTo(-0.4 * (100 - (100 * 35) / 76), 1);
    expect(engagement.causes).toEqual([]);
  });

  it('names the events that entered and left, with their marginal impact on each component they moved', () => {
    const change = healthChange('acme', events, point('2026-01-10T00:00:00Z', 2), point('2026-02-20T00:00:00Z', 4), DEFAULT_SCORING_CONFIG);
    expect(change.causes).toEqual([
      expect.objectContaining({ change: 'entered', eventId: angry.eventId, recordedAt: '2026-02-11T00:00:00.000Z', recordedBy: 'key-crm' }),
      expect.objectContaining({
        change: 'retracted',
        eventId: first.eventId,
        retractedBy: expect.objectContaining({ eventId: retraction.eventId, recordedBy: 'key-crm' }),
      }),
    ]);
    const sentiment = change.components.find((c) => c.name === 'sentiment')!;
    // Before: mean sentiment 0.8 → 90. After: only the angry meeting, −1 → 0: without it, no rated interaction (no data);
    // with the retracted one back, the mean of 0.8 and −1 → 45.
    expect([sentiment.before, sentiment.after, sentiment.delta]).toEqual([90, 0, -90]);
    expect(sentiment.causes).toEqual([
      { eventId: angry.eventId, change: 'entered', impact: null },
      { eventId: first.eventId, change: 'retracted', impact: -45 },
    ]);
  });

  it('leaves out what was recorded after a point, though it had occurred', () => {
    const change = healthChange('acme', events, point('2026-02-10T12:00:00Z', 2), point('2026-02-11T12:00:00Z', 3), DEFAULT_SCORING_CONFIG);
    expect(change.causes.map((c) => c.eventId)).toEqual([angry.eventId]);
  });
});
