import {
  AccountEvent,
  DEFAULT_SCORING_CONFIG,
  decodeEvent,
  encodeEvent,
  EventEnvelope,
  newAccountEvent,
  StoredAccountEvent,
} from '@rapport/domain';
import { evaluationTime, projectAccount } from './account-projection';
import { projectBatch, reevaluateAccounts } from './project-batch';

const AT = evaluationTime(new Date('2026-11-23T10:00:00Z'));
let position = 0;

/** An event as the store gives it back, at the next global position. */
function stored(accountId: string, occurredAt: string, fact: AccountEvent): StoredAccountEvent {
  position += 1;
  const envelope = { ...fact, accountId, occurredAt, source: { system: 'test', eventId: `e-${position}` } } as EventEnvelope;
  const record = encodeEvent(newAccountEvent(envelope));
  return decodeEvent({
    ...record,
    streamId: `account-${accountId}`,
    version: position,
    globalPosition: position,
    recordedAt: new Date(occurredAt),
  });
}

const opened = (accountId: string) => stored(accountId, '2026-01-05T10:00:00Z', { type: 'AccountOpened', data: { name: accountId } });
const call = (accountId: string, day: string) =>
  stored(accountId, `${day}T10:00:00Z`, {
    type: 'InteractionLogged',
    data: { interactionId: `i-${day}`, channel: 'call', direction: 'outbound' },
  });

describe('projectBatch', () => {
  it('projects each touched account from its whole stream, and names its last event of the batch as the cause', () => {
    const a = [opened('a'), call('a', '2026-11-01')];
    const b = [opened('b')];
    const batch = [a[1], b[0], call('a', '2026-11-20')];
    a.push(batch[2]);
    const streams = new Map([
      ['a', a],
      ['b', b],
    ]);
    const { projections, outbound } = projectBatch(batch, streams, new Map(), AT, DEFAULT_SCORING_CONFIG);
    expect(projections).toEqual([
      projectAccount('a', a, batch[2].globalPosition, AT, DEFAULT_SCORING_CONFIG),
      projectAccount('b', b, b[0].globalPosition, AT, DEFAULT_SCORING_CONFIG),
    ]);
    expect(outbound.filter((e) => e.accountId === 'a').every((e) => e.causedBy.globalPosition === batch[2].globalPosition)).toBe(true);
    // b: no data yet, so risk 50 + 10 (no interaction) crosses 60 from nothing.
    expect(outbound.filter((e) => e.accountId === 'b').map((e) => e.type)).toContain('ChurnRiskRaised');
  });

  it('raises nothing when the stored figures are already the new ones', () => {
    const a = [opened('a'), call('a', '2026-11-22')];
    const first = projectBatch(a, new Map([['a', a]]), new Map(), AT, DEFAULT_SCORING_CONFIG).projections[0];
    const previous = new Map([
      [
        'a',
        {
          healthScore: first.health.score,
          healthBand: first.health.band,
          churnScore: first.churn.score,
          signals: first.signals,
          overdueActions: first.actions.filter((x) => x.overdue).map((x) => x.actionId),
        },
      ],
    ]);
    expect(projectBatch(a, new Map([['a', a]]), previous, AT, DEFAULT_SCORING_CONFIG).outbound).toEqual([]);
  });
});

describe('reevaluateAccounts', () => {
  it('re-evaluates at a new time, naming the day and the checkpoint as the cause', () => {
    const a = [opened('a'), call('a', '2026-10-01')];
    const { projections, outbound } = reevaluateAccounts(new Map([['a', a]]), new Map(), 99, AT, DEFAULT_SCORING_CONFIG);
    expect(projections).toEqual([projectAccount('a', a, a[1].globalPosition, AT, DEFAULT_SCORING_CONFIG)]);
    expect(outbound.length).toBeGreaterThan(0);
    expect(outbound.every((e) => JSON.stringify(e.causedBy) === JSON.stringify({ reevaluation: '2026-11-23', globalPosition: 99 }))).toBe(
      true,
    );
  });
});
