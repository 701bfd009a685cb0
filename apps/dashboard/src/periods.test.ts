import { describe, expect, it } from 'vitest';
import { quarterLabel, quarters } from './periods';

describe('quarters', () => {
  it('lists the whole quarters before the current one, across a year end, oldest first', () => {
    expect(quarters(3, new Date('2026-02-10T12:00:00Z'))).toEqual([
      { label: '2025 Q2', from: '2025-04-01', to: '2025-07-01' },
      { label: '2025 Q3', from: '2025-07-01', to: '2025-10-01' },
      { label: '2025 Q4', from: '2025-10-01', to: '2026-01-01' },
    ]);
    expect(quarters(1, new Date('2026-12-31T23:59:59Z'))).toEqual([{ label: '2026 Q3', from: '2026-07-01', to: '2026-10-01' }]);
  });

  it('names a whole quarter, across a year end, and one cut short as to date', () => {
    expect(quarterLabel('2026-07-01', '2026-10-01')).toBe('2026 Q3');
    expect(quarterLabel('2025-10-01', '2026-01-01')).toBe('2025 Q4');
    expect(quarterLabel('2026-10-01', '2026-11-24')).toBe('2026 Q4 to date');
    expect(quarterLabel('2026-10-01', '2026-12-01')).toBe('2026 Q4 to date');
  });
});
