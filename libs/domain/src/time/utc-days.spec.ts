import { calendarPeriodBounds } from './utc-days';

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
