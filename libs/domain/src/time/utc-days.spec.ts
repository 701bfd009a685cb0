import { addDays, calendarPeriodBounds, DAY_MS, utcDay } from './utc-days';

describe('calendarPeriodBounds', () => {
  it('cuts [from, to) at each calendar month or quarter, the first and last periods cut by from and to', () => {
    expect(calendarPeriodBounds('2026-02-15', '2026-11-10', 'quarter')).toEqual([
      '2026-02-15',
      '2026-04-01',
      '2026-07-01',
      '2026-10-01',
      '2026-11-10',
    ]);
    expect(calendarPeriodBounds('2026-01-01', '2026-04-01', 'quarter')).toEqual(['2026-01-01', '2026-04-01']);
    expect(calendarPeriodBounds('2026-11-20', '2027-02-01', 'month')).toEqual(['2026-11-20', '2026-12-01', '2027-01-01', '2027-02-01']);
    expect(calendarPeriodBounds('2026-12-01', '2027-01-01', 'quarter')).toEqual(['2026-12-01', '2027-01-01']);
  });
});

describe('utcDay', () => {
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('names the UTC day of each instant, on both sides of midnight and of the epoch, asked once or again', () => {
    const instants = [
      0,
      -1,
      1,
      DAY_MS - 1,
      DAY_MS,
      -DAY_MS,
      -DAY_MS - 1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(1969, 11, 31, 12),
    ];
    for (let ms = Date.UTC(1899, 0, 1); ms < Date.UTC(2101, 0, 1); ms += 7_777_777_777) instants.push(ms, ms + 1);
    for (const ms of [...instants, ...instants]) {
      expect(utcDay(ms)).toBe(iso(ms));
      expect(utcDay(new Date(ms))).toBe(iso(ms));
    }
  });

  it('refuses an invalid instant, every time', () => {
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
    expect(() => utcDay(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('addDays', () => {
  it('moves a day by whole days across months, leap days and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-02-29', 1)).toBe('2024-03-01');
    expect(addDays('2023-02-28', 1)).toBe('2023-03-01');
    expect(addDays('2026-12-02', -365)).toBe('2025-12-02');
    expect(addDays('2026-12-02', 90)).toBe('2027-03-02');
    expect(addDays('2026-12-02', 0)).toBe('2026-12-02');
    expect(addDays('1970-01-01', -1)).toBe('1969-12-31');
  });

  it('refuses a string that is not a day, asked once or again', () => {
    expect(() => addDays('2026-13-01', 1)).toThrow(RangeError);
    expect(() => addDays('2026-13-01', 1)).toThrow(RangeError);
  });
});
