import { eventIdFor } from '@rapport/domain';
import { validateItems } from './ingest-items';

const NOW = new Date('2026-03-02T12:00:00Z');
const item = (eventId: string, extra: Record<string, unknown> = {}) => ({
  type: 'AccountOpened',
  accountId: 'acme',
  occurredAt: '2026-03-02T10:00:00Z',
  source: { system: 'crm', eventId },
  data: { name: 'Acme' },
  ...extra,
});

describe('validateItems', () => {
  it('gives each valid item its event with the derived id, in input order', () => {
    const result = validateItems([item('a'), item('b')], NOW);
    expect(result).toEqual({
      ok: true,
      items: [
        { index: 0, firstIndex: 0, event: expect.objectContaining({ eventId: eventIdFor({ system: 'crm', eventId: 'a' }) }) },
        { index: 1, firstIndex: 1, event: expect.objectContaining({ eventId: eventIdFor({ system: 'crm', eventId: 'b' }) }) },
      ],
    });
  });

  it('reports every bad item with its index, and no item when any is bad', () => {
    const result = validateItems([item('a'), item('b', { accountId: '' }), 'not an object', item('c', { colour: 'red' })], NOW);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.index, e.field])).toEqual([
      [1, 'accountId'],
      [2, ''],
      [3, 'colour'],
    ]);
  });
});

describe('repeats of an idempotency key', () => {
  it('point at their first item', () => {
    const validated = validateItems([item('a'), item('b'), item('a'), item('a')], NOW);
    if (!validated.ok) throw new Error('expected valid items');
    expect(validated.items.map((i) => [i.index, i.firstIndex])).toEqual([
      [0, 0],
      [1, 1],
      [2, 0],
      [3, 0],
    ]);
  });
});
