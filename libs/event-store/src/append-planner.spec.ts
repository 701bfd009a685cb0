import { randomUUID } from 'node:crypto';
import { AppendPlanContext, assertValidAppend, planAppend } from './append-planner';
import { NewEvent, StreamAppend, WrongExpectedVersionError } from './event-store.port';

const RECORDED_AT = new Date('2026-11-23T10:00:00Z');
const event = (eventId: string = randomUUID()): NewEvent => ({ eventId, type: 'Thing', data: {}, metadata: {}, schemaVersion: 1 });

/** given(stored streams).when(appends).then… : the planner's decisions without a store. */
function given(stored: Record<string, NewEvent[]> = {}) {
  const context: AppendPlanContext = { known: new Map(), versions: new Map(), head: 0, recordedAt: RECORDED_AT };
  for (const [streamId, events] of Object.entries(stored)) planAppend(context, [{ streamId, expectedVersion: 'any', events }]);
  return {
    context,
    when: (...streams: StreamAppend[]) => ({
      then: () => planAppend(context, streams),
      thenConflicts: (streamId: string, actual: number) => {
        expect(() => planAppend(context, streams)).toThrow(WrongExpectedVersionError);
        expect(() => planAppend(context, streams)).toThrow(`stream ${streamId}: expected version`);
        expect(() => planAppend(context, streams)).toThrow(`but it is at ${actual}`);
      },
    }),
  };
}

describe('planAppend', () => {
  it('places new events after the stream and the log, and remembers them for the next append', () => {
    const a = event();
    const b = event();
    const scenario = given({ 'account-x': [event(), event()] });
    const { results, planned } = scenario.when({ streamId: 'account-x', expectedVersion: 1, events: [a, b] }).then();
    expect(results).toEqual([
      [
        { eventId: a.eventId, streamId: 'account-x', version: 2, globalPosition: 3, recordedAt: RECORDED_AT, duplicate: false },
        { eventId: b.eventId, streamId: 'account-x', version: 3, globalPosition: 4, recordedAt: RECORDED_AT, duplicate: false },
      ],
    ]);
    expect(planned.map((p) => [p.eventId, p.version, p.globalPosition])).toEqual([
      [a.eventId, 2, 3],
      [b.eventId, 3, 4],
    ]);
    expect(scenario.context).toMatchObject({ head: 4, versions: new Map([['account-x', 3]]) });
  });

  it('reports a stored id as a duplicate with the first result, and appends nothing for it', () => {
    const first = event();
    const scenario = given({ 'account-x': [first] });
    const { results, planned } = scenario
      .when({ streamId: 'account-y', expectedVersion: 'no_stream', events: [event(first.eventId)] })
      .then();
    expect(results[0][0]).toEqual({
      eventId: first.eventId,
      streamId: 'account-x',
      version: 0,
      globalPosition: 1,
      recordedAt: RECORDED_AT,
      duplicate: true,
    });
    expect(planned).toEqual([]);
  });

  it('does not check the version of a stream whose events are all duplicates: retrying a landed append is safe', () => {
    const first = event();
    const { results, planned } = given({ 'account-x': [first, event()] })
      .when({ streamId: 'account-x', expectedVersion: 0, events: [event(first.eventId)] })
      .then();
    expect(results[0][0]).toMatchObject({ eventId: first.eventId, version: 0, duplicate: true });
    expect(planned).toEqual([]);
  });

  it('numbers a stream named twice in one append on from its first part, and checks the second part against it', () => {
    const [a, b, c] = [event(), event(), event()];
    const scenario = given({ 'account-x': [event()] });
    const { results, planned } = scenario
      .when(
        { streamId: 'account-x', expectedVersion: 0, events: [a, b] },
        { streamId: 'account-y', expectedVersion: 'no_stream', events: [event(a.eventId)] },
        { streamId: 'account-x', expectedVersion: 2, events: [c] },
      )
      .then();
    expect(results.map((r) => r.map((e) => [e.streamId, e.version, e.globalPosition, e.duplicate]))).toEqual([
      [
        ['account-x', 1, 2, false],
        ['account-x', 2, 3, false],
      ],
      [['account-x', 1, 2, true]],
      [['account-x', 3, 4, false]],
    ]);
    expect(planned).toEqual([
      { ...a, streamId: 'account-x', version: 1, globalPosition: 2 },
      { ...b, streamId: 'account-x', version: 2, globalPosition: 3 },
      { ...c, streamId: 'account-x', version: 3, globalPosition: 4 },
    ]);
    scenario
      .when(
        { streamId: 'account-x', expectedVersion: 3, events: [event()] },
        { streamId: 'account-x', expectedVersion: 3, events: [event()] },
      )
      .thenConflicts('account-x', 4);
  });

  it('refuses a wrong expected version, and changes nothing', () => {
    const scenario = given({ 'account-x': [event()] });
    scenario.when({ streamId: 'account-x', expectedVersion: 5, events: [event()] }).thenConflicts('account-x', 0);
    scenario.when({ streamId: 'account-x', expectedVersion: 'no_stream', events: [event()] }).thenConflicts('account-x', 0);
    scenario.when({ streamId: 'account-new', expectedVersion: 0, events: [event()] }).thenConflicts('account-new', -1);
    expect(scenario.context.head).toBe(1);
  });

  it('refuses malformed appends before planning', () => {
    expect(() => assertValidAppend([{ streamId: '', expectedVersion: 'any', events: [] }])).toThrow('streamId must be a non-empty string');
    expect(() => assertValidAppend([{ streamId: 's', expectedVersion: -2, events: [] }])).toThrow(
      "expectedVersion of s must be a version ≥ 0, 'no_stream' or 'any'",
    );
    expect(() => assertValidAppend([{ streamId: 's', expectedVersion: 'any', events: [event('not-a-uuid')] }])).toThrow(
      'eventId must be a UUID',
    );
  });
});
