import { explainedValidation, FieldError, passesCompiledRules, validateEnvelope } from './validate-envelope';

const NOW = new Date('2026-03-02T12:00:00Z');

function base(type: string, data: Record<string, unknown>) {
  return { type, accountId: 'acme-corp', occurredAt: '2026-03-02T10:00:00Z', source: { system: 'salesforce', eventId: 'x1' }, data };
}

function errorsOf(input: unknown): FieldError[] {
  const result = validateEnvelope(input, NOW);
  if (result.ok) throw new Error('expected validation errors');
  return result.errors;
}

function fields(input: unknown): string[] {
  return errorsOf(input)
    .map((e) => e.field)
    .sort();
}

const VALID: Record<string, Record<string, unknown>> = {
  AccountOpened: { name: 'Acme', industry: 'Manufacturing', segment: 'enterprise', region: 'EMEA', ownerId: 'u-1' },
  AccountOwnerAssigned: { ownerId: 'u-2' },
  KeyAccountDesignated: { reason: 'top 10' },
  KeyAccountRevoked: {},
  InteractionLogged: {
    interactionId: 'i-1',
    channel: 'call',
    direction: 'outbound',
    sentiment: 0.4,
    durationMinutes: 30,
    contactCount: 2,
    executiveInvolved: true,
    summary: 'QBR prep',
  },
  SupportTicketOpened: { ticketId: 't-1', severity: 'urgent', subject: 'Outage' },
  SupportTicketResolved: { ticketId: 't-1' },
  SurveyResponded: { surveyId: 's-1', kind: 'nps', score: 9 },
  UsageReported: { product: 'core', activeUsers: 80, licensedUsers: 100 },
  ReferralGiven: { referredCompany: 'Globex' },
  ContractSigned: { contractId: 'c-1', products: ['core'], arr: 120000.5, currency: 'EUR', startDate: '2026-01-01', endDate: '2027-01-01' },
  ContractAmended: { contractId: 'c-1', arr: 150000, products: ['core', 'analytics'], effectiveDate: '2026-06-01', reason: 'upsell' },
  ContractTerminated: { contractId: 'c-1', effectiveDate: '2026-09-01', reason: 'bankrupt' },
  RenewalOpened: { renewalId: 'r-1', contractId: 'c-1', dueDate: '2026-12-01' },
  RenewalWon: { renewalId: 'r-1', contractId: 'c-1', newEndDate: '2028-01-01', arr: 130000 },
  RenewalLost: { renewalId: 'r-1', contractId: 'c-1', reason: 'competitor', note: 'went to X' },
  EventRetracted: { targetEventId: '3f1c1a8e-5d43-5b7e-9a7e-2a1e0c1d2b3f', reason: 'entered on the wrong account' },
};

describe('validateEnvelope', () => {
  it.each(Object.entries(VALID))('accepts a valid %s', (type, data) => {
    const result = validateEnvelope(base(type, data), NOW);
    expect(result).toEqual({ ok: true, envelope: expect.objectContaining({ type, data }) });
  });

  it('accepts the optional actor and an offset zone', () => {
    const input = { ...base('KeyAccountRevoked', {}), actor: 'jane@vendor.example', occurredAt: '2026-03-02T12:00:00+02:00' };
    expect(validateEnvelope(input, NOW).ok).toBe(true);
  });

  it('rejects what is not an object', () => {
    expect(errorsOf([1, 2])).toEqual([{ field: '', message: 'must be a JSON object (an event envelope)' }]);
    expect(errorsOf(null)[0].field).toBe('');
    expect(errorsOf('x')[0].field).toBe('');
  });

  it('rejects an unknown type and names the catalog', () => {
    const errors = errorsOf(base('AccountDeleted', {}));
    expect(errors).toEqual([{ field: 'type', message: expect.stringContaining('AccountOpened') }]);
  });

  it('reports every offending envelope field at once', () => {
    const input = {
      type: 'AccountOpened',
      accountId: '-bad',
      occurredAt: '2026-03-02T10:00:00',
      source: { system: 'Sales Force', eventId: '' },
      actor: 'x'.repeat(257),
      data: { name: 'A' },
      extra: 1,
    };
    expect(fields(input)).toEqual(['accountId', 'actor', 'extra', 'occurredAt', 'source.eventId', 'source.system']);
  });

  it('requires source and data', () => {
    expect(fields({ type: 'AccountOpened', accountId: 'a', occurredAt: '2026-03-02T10:00:00Z' })).toEqual(['data', 'source']);
  });

  it('rejects occurredAt more than 24 h after now, and invalid calendar days', () => {
    expect(errorsOf({ ...base('KeyAccountRevoked', {}), occurredAt: '2026-03-03T12:00:01Z' })).toEqual([
      { field: 'occurredAt', message: expect.stringContaining('24 h in the future') },
    ]);
    expect(validateEnvelope({ ...base('KeyAccountRevoked', {}), occurredAt: '2026-03-03T12:00:00Z' }, NOW).ok).toBe(true);
    expect(fields({ ...base('KeyAccountRevoked', {}), occurredAt: '2026-02-30T10:00:00Z' })).toEqual(['occurredAt']);
  });

  it('rejects unknown data properties with their path', () => {
    expect(errorsOf(base('AccountOwnerAssigned', { ownerId: 'u', colour: 'red' }))).toEqual([
      { field: 'data.colour', message: 'is not a known property' },
    ]);
  });

  it('names each bad data field of an interaction', () => {
    const data = {
      interactionId: '',
      channel: 'fax',
      direction: 'sideways',
      sentiment: 1.5,
      durationMinutes: 2000,
      contactCount: 1.5,
      executiveInvolved: 'yes',
    };
    expect(fields(base('InteractionLogged', data))).toEqual([
      'data.channel',
      'data.contactCount',
      'data.direction',
      'data.durationMinutes',
      'data.executiveInvolved',
      'data.interactionId',
      'data.sentiment',
    ]);
  });

  it('checks amounts: ≥ 0, at most 2 fraction digits, numbers only', () => {
    const signed = VALID.ContractSigned;
    expect(fields(base('ContractSigned', { ...signed, arr: -1 }))).toEqual(['data.arr']);
    expect(fields(base('ContractSigned', { ...signed, arr: 10.123 }))).toEqual(['data.arr']);
    expect(fields(base('ContractSigned', { ...signed, arr: '100' }))).toEqual(['data.arr']);
    expect(validateEnvelope(base('ContractSigned', { ...signed, arr: 0.07 }), NOW).ok).toBe(true);
  });

  it('checks contract dates, currency and products', () => {
    const signed = VALID.ContractSigned;
    expect(errorsOf(base('ContractSigned', { ...signed, endDate: '2026-01-01' }))).toEqual([
      { field: 'data.endDate', message: 'must be after startDate' },
    ]);
    expect(fields(base('ContractSigned', { ...signed, startDate: '2026-13-01' }))).toEqual(['data.startDate']);
    expect(fields(base('ContractSigned', { ...signed, currency: 'EURO' }))).toEqual(['data.currency']);
    expect(fields(base('ContractSigned', { ...signed, products: [] }))).toEqual(['data.products']);
    expect(fields(base('ContractSigned', { ...signed, products: ['core', 7] }))).toEqual(['data.products']);
  });

  it('checks survey scores by kind', () => {
    expect(validateEnvelope(base('SurveyResponded', { surveyId: 's', kind: 'nps', score: 0 }), NOW).ok).toBe(true);
    expect(validateEnvelope(base('SurveyResponded', { surveyId: 's', kind: 'csat', score: 5 }), NOW).ok).toBe(true);
    expect(errorsOf(base('SurveyResponded', { surveyId: 's', kind: 'csat', score: 0 }))).toEqual([
      { field: 'data.score', message: 'must be an integer from 1 to 5 for csat' },
    ]);
    expect(fields(base('SurveyResponded', { surveyId: 's', kind: 'nps', score: 11 }))).toEqual(['data.score']);
    expect(fields(base('SurveyResponded', { surveyId: 's', kind: 'nps', score: 7.5 }))).toEqual(['data.score']);
  });

  it('checks usage, amendments, renewals and retractions', () => {
    expect(fields(base('UsageReported', { product: 'core', activeUsers: -1, licensedUsers: 0 }))).toEqual([
      'data.activeUsers',
      'data.licensedUsers',
    ]);
    expect(fields(base('ContractAmended', { ...VALID.ContractAmended, reason: 'discount' }))).toEqual(['data.reason']);
    expect(fields(base('RenewalLost', { ...VALID.RenewalLost, reason: 'weather' }))).toEqual(['data.reason']);
    expect(fields(base('RenewalWon', { renewalId: 'r', contractId: 'c', arr: 1 }))).toEqual(['data.newEndDate']);
    expect(fields(base('EventRetracted', { targetEventId: 'x', reason: '' }))).toEqual(['data.reason']);
  });

  it('refuses the NUL character anywhere, which PostgreSQL cannot store', () => {
    expect(errorsOf({ ...base('InteractionLogged', { ...VALID.InteractionLogged, summary: 'a\u0000b' }), actor: 'x\u0000' })).toEqual([
      { field: 'data.summary', message: 'must not contain the NUL character (U+0000)' },
      { field: 'actor', message: 'must not contain the NUL character (U+0000)' },
    ]);
  });

  it('refuses a lone surrogate anywhere, which is no character and which PostgreSQL cannot store', () => {
    const message = 'must be well-formed Unicode: a lone surrogate (U+D800 to U+DFFF) is no character';
    const envelope = base('InteractionLogged', { ...VALID.InteractionLogged, summary: 'cut \ud83d here' });
    expect(errorsOf({ ...envelope, actor: '\ude80', source: { system: 'crm', eventId: 'e-\udbff' } })).toEqual([
      { field: 'source.eventId', message },
      { field: 'data.summary', message },
      { field: 'actor', message },
    ]);
    expect(errorsOf({ ...envelope, data: { ...VALID.InteractionLogged, ['k\ud800']: 1 } })).toContainEqual({
      field: 'data.k\\ud800',
      message,
    });
    // A pair is one character, in any order of the rest.
    expect(validateEnvelope(base('InteractionLogged', { ...VALID.InteractionLogged, summary: '🚀 launch \ud83d\ude80' }), NOW).ok).toBe(
      true,
    );
  });

  it('keeps only the catalog properties in the accepted envelope', () => {
    const result = validateEnvelope(base('ReferralGiven', {}), NOW);
    expect(result.ok && Object.keys(result.envelope).sort()).toEqual(['accountId', 'data', 'occurredAt', 'source', 'type']);
  });
});

describe('validateEnvelope, compiled rules against class-validator', () => {
  const VALUES: unknown[] = [
    undefined,
    null,
    '',
    ' ',
    'x',
    'X'.repeat(65),
    'x'.repeat(257),
    'x'.repeat(2001),
    'a\u0000b',
    'a\ud800b',
    '\udc00',
    '🚀',
    // Lengths at the rules' bounds, counted as class-validator counts them: a surrogate pair, or a character with its
    // presentation selector, is one character.
    'x'.repeat(200),
    'x'.repeat(201),
    'x'.repeat(256),
    'x'.repeat(500),
    'x'.repeat(501),
    'x'.repeat(2000),
    '🚀'.repeat(200),
    '🚀'.repeat(201),
    '🚀'.repeat(256),
    'e\ufe0f'.repeat(250),
    'e\ufe0f'.repeat(251),
    '\ufe0f'.repeat(200),
    'a'.repeat(64),
    'a'.repeat(65),
    'crm-2',
    'Crm',
    0,
    -1,
    0.5,
    1.005,
    -0.5,
    7,
    11,
    2 ** 31,
    1e14,
    true,
    false,
    [],
    {},
    ['core'],
    ['core', 'core'],
    [1],
    Array.from({ length: 60 }, (_, i) => `p${i}`),
    { system: 'crm', eventId: 'e' },
    'EUR',
    'eur',
    'nps',
    'call',
    'inbound',
    'enterprise',
    'urgent',
    'competitor',
    'upsell',
    '2026-02-30',
    '2026-01-01',
    '2027-06-01',
    '2026-03-02T10:00:00Z',
    '2026-03-02T10:00:00',
    '2026-03-05T10:00:00Z',
    '3f1c1a8e-5d43-5b7e-9a7e-2a1e0c1d2b3f',
    'ContractSigned',
  ];

  /** Every property path of a value, objects and arrays included. */
  function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== 'object') return [prefix];
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    return [prefix, ...keys.flatMap((key) => paths((value as Record<string | number, unknown>)[key], [...prefix, key]))];
  }

  function withValue(input: unknown, path: (string | number)[], value: unknown): unknown {
    const copy = structuredClone(input) as Record<string | number, unknown>;
    let target = copy;
    for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
    const last = path[path.length - 1];
    if (value === undefined && !Array.isArray(target)) delete target[last];
    else target[last] = value;
    return copy;
  }

  it.each(Object.entries(VALID))('gives the same answer as class-validator on variants of a %s', (type, data) => {
    const valid = { ...base(type, data), actor: 'jane@vendor.example' };
    const variants: unknown[] = [valid];
    for (const path of paths(valid).filter((p) => p.length > 0)) for (const value of VALUES) variants.push(withValue(valid, path, value));
    for (const path of [['extra'], ['data', 'extra'], ['source', 'extra']]) variants.push(withValue(valid, path, 1));
    // Every field of every other type, in this type's data: a known property of the wrong type.
    for (const other of Object.values(VALID))
      for (const [key, value] of Object.entries(other)) variants.push(withValue(valid, ['data', key], value));
    let accepted = 0;
    for (const variant of variants) {
      const reference = explainedValidation(variant as Record<string, unknown>, NOW);
      expect({ variant, compiled: passesCompiledRules(variant as Record<string, unknown>, NOW) }).toEqual({
        variant,
        compiled: reference.ok,
      });
      expect({ variant, result: validateEnvelope(variant, NOW) }).toEqual({ variant, result: reference });
      if (reference.ok) accepted++;
    }
    // Both answers occur: the variants probe the rules from both sides.
    expect(accepted).toBeGreaterThan(1);
    expect(accepted).toBeLessThan(variants.length);
  });
});
