import { v5 as uuidv5 } from 'uuid';
import { eventIdFor, uuidV5 } from './event-identity';

const NAMESPACE = '5b0a4a3e-7c2f-4d8e-9a51-2f6c1e0b7d94';

describe('eventIdFor', () => {
  it('keeps the ids every deployment has stored: UUID v5 of "system/eventId" in the fixed namespace', () => {
    expect(eventIdFor({ system: 'crm', eventId: '42' })).toBe('4897d87b-7bea-509d-8304-53056b121422');
    expect(eventIdFor({ system: 'billing', eventId: 'Zürich-東京-🚀' })).toBe('0c0107a4-2961-5507-90f2-e3d0107181c3');
  });

  it('derives what the uuid library derives, for any key', () => {
    const keys = [
      { system: '', eventId: '' },
      { system: 'a', eventId: 'b/c' },
      { system: 'support-desk', eventId: 'x'.repeat(5000) },
      { system: 'mail', eventId: '\u0000\uffff\ud83d\ude80 é' },
      ...Array.from({ length: 500 }, (_, i) => ({ system: `system-${i % 7}`, eventId: `${i}-${Math.random()}` })),
    ];
    for (const key of keys) expect(eventIdFor(key)).toBe(uuidv5(`${key.system}/${key.eventId}`, NAMESPACE));
  });
});

describe('uuidV5', () => {
  it('derives what the uuid library derives, in any namespace', () => {
    const namespaces = ['a3c9e1f4-58b2-4c7d-9e06-7f1d2b3c4a5e', '6BA7B810-9DAD-11D1-80B4-00C04FD430C8'];
    const names = [
      '',
      'AccountHealthChanged|acme|7d4f3c2a|',
      'é東京🚀',
      // Around the most a name can take in the buffer it is written to (256 code units of up to 3 bytes), and past it.
      '東'.repeat(256),
      '東'.repeat(257),
      '🚀'.repeat(128),
      'x'.repeat(800),
      ...Array.from({ length: 200 }, (_, i) => `name-${i}-${Math.random()}`),
    ];
    for (const namespace of namespaces) for (const name of names) expect(uuidV5(name, namespace)).toBe(uuidv5(name, namespace));
    // Namespaces in turn, a long name between short ones: nothing of one id's bytes is left in the next.
    for (const name of names)
      for (const namespace of [...namespaces, namespaces[0]]) expect(uuidV5(name, namespace)).toBe(uuidv5(name, namespace));
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('x', 'not-a-uuid')).toThrow('not a UUID namespace: not-a-uuid');
  });
});
