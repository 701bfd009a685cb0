import {
  decodeCompactEvent,
  decodeEvent,
  encodeEvent,
  eventView,
  newAccountEvent,
  RecordedEventRecord,
  UndecodableEventError,
} from './event-codec';
import { eventIdFor } from './event-identity';
import { EventEnvelope } from './envelope';

const envelope: EventEnvelope = {
  type: 'InteractionLogged',
  accountId: 'acme',
  occurredAt: '2026-03-02T10:00:00+01:00',
  source: { system: 'outlook', eventId: 'm-9' },
  actor: 'jane@vendor.example',
  data: { interactionId: 'm-9', channel: 'meeting', direction: 'outbound', sentiment: 0.6 },
};

/** What a store gives back for a record: the record and its place in the logs. */
function recorded(record: ReturnType<typeof encodeEvent>, place: Partial<RecordedEventRecord> = {}): RecordedEventRecord {
  return { ...record, streamId: 'account-acme', version: 3, globalPosition: 42, recordedAt: new Date('2026-03-02T09:00:01.5Z'), ...place };
}

describe('the event codec', () => {
  it('gives a new event the id derived from its idempotency key', () => {
    expect(newAccountEvent(envelope).eventId).toBe(eventIdFor(envelope.source));
  });

  it('encodes the envelope as type, data and metadata, and decodes it back with what the store added', () => {
    const record = encodeEvent(newAccountEvent(envelope));
    expect(record).toEqual({
      eventId: eventIdFor(envelope.source),
      type: 'InteractionLogged',
      data: envelope.data,
      metadata: { accountId: 'acme', occurredAt: envelope.occurredAt, source: envelope.source, actor: envelope.actor },
      schemaVersion: 1,
    });
    expect(decodeEvent(recorded(record))).toEqual({
      ...envelope,
      eventId: record.eventId,
      streamId: 'account-acme',
      version: 3,
      globalPosition: 42,
      recordedAt: new Date('2026-03-02T09:00:01.5Z'),
      schemaVersion: 1,
    });
  });

  it('keeps nothing but the catalog fields, and no actor key when there is none', () => {
    const { actor: _actor, ...withoutActor } = envelope;
    const record = encodeEvent({ ...newAccountEvent(withoutActor), extra: 'dropped' } as never);
    expect(Object.keys(record.metadata).sort()).toEqual(['accountId', 'occurredAt', 'source']);
    expect(decodeEvent(recorded(record))).not.toHaveProperty('actor');
  });

  it('shows a stored event as the API does: the envelope, its place and recordedAt as an instant', () => {
    const view = eventView(decodeEvent(recorded(encodeEvent(newAccountEvent(envelope)))));
    expect(view).toEqual({
      eventId: eventIdFor(envelope.source),
      type: 'InteractionLogged',
      accountId: 'acme',
      occurredAt: envelope.occurredAt,
      source: envelope.source,
      actor: envelope.actor,
      data: envelope.data,
      streamId: 'account-acme',
      version: 3,
      globalPosition: 42,
      recordedAt: '2026-03-02T09:00:01.500Z',
      schemaVersion: 1,
    });
  });

  it('refuses a record that cannot be an account event, naming it', () => {
    const record = recorded(encodeEvent(newAccountEvent(envelope)));
    expect(() => decodeEvent({ ...record, type: 'Thing' })).toThrow(UndecodableEventError);
    expect(() => decodeEvent({ ...record, type: 'Thing' })).toThrow(
      `stored event ${record.eventId} is not an account event: unknown type "Thing"`,
    );
    expect(() => decodeEvent({ ...record, metadata: { source: 'contract-test' } })).toThrow('metadata lacks accountId');
    expect(() => decodeEvent({ ...record, data: null })).toThrow('data is not an object');
  });

  it('decodes a compact record into its account and the event the fold reads, refusing what decodeEvent refuses', () => {
    const record = recorded(encodeEvent(newAccountEvent(envelope)));
    const compact = {
      eventId: record.eventId,
      streamId: record.streamId,
      type: record.type,
      data: record.data,
      field: envelope.occurredAt,
    };
    const whole = decodeEvent(record);
    expect(decodeCompactEvent(compact)).toEqual({
      accountId: whole.accountId,
      event: { type: whole.type, data: whole.data, eventId: whole.eventId, occurredAt: whole.occurredAt },
    });
    expect(() => decodeCompactEvent({ ...compact, type: 'Thing' })).toThrow('unknown type "Thing"');
    expect(() => decodeCompactEvent({ ...compact, field: null })).toThrow('metadata lacks occurredAt');
    expect(() => decodeCompactEvent({ ...compact, streamId: 'keys-1' })).toThrow('not in an account stream');
    expect(() => decodeCompactEvent({ ...compact, data: 'x' })).toThrow('data is not an object');
  });
});
