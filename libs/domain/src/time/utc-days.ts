export const DAY_MS = 24 * 60 * 60 * 1000;

// Scoring asks for the day of an instant, and for days around it, some twenty times an account: profiled in the
// projector under a burst, formatting them (Date#toISOString, ~0.8 µs) and parsing them back (Date.parse, ~0.2 µs)
// took 8 % of its main thread. A portfolio's events fall on a few thousand distinct days, so both directions are
// remembered, by day number and by day string; the maps start over past a bound so no input can grow them for ever.
const REMEMBERED_DAYS = 100_000;
const dayStrings = new Map<number, string>();
const dayNumbers = new Map<string, number>();

/** UTC day (YYYY-MM-DD) of an instant. A RangeError for an invalid one, as Date#toISOString. */
export function utcDay(at: Date | number): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  const dayNumber = Math.floor(ms / DAY_MS);
  let day = dayStrings.get(dayNumber);
  if (day === undefined) {
    day = new Date(ms).toISOString().slice(0, 10);
    if (dayStrings.size >= REMEMBERED_DAYS) dayStrings.clear();
    dayStrings.set(dayNumber, day);
  }
  return day;
}

/** `day` plus `days` (may be negative). */
export function addDays(day: string, days: number): string {
  let dayNumber = dayNumbers.get(day);
  if (dayNumber === undefined) {
    // NaN for a string that is not a day: utcDay below throws, and nothing is remembered.
    dayNumber = Date.parse(`${day}T00:00:00Z`) / DAY_MS;
    if (Number.isInteger(dayNumber)) {
      if (dayNumbers.size >= REMEMBERED_DAYS) dayNumbers.clear();
      dayNumbers.set(day, dayNumber);
    }
  }
  return utcDay((dayNumber + days) * DAY_MS);
}

/**
 * The bounds of consecutive calendar periods covering [from, to): from, each first day of a calendar month or quarter
 * after it and before to, then to.
 */
export function calendarPeriodBounds(from: string, to: string, interval: 'month' | 'quarter'): string[] {
  const step = interval === 'month' ? 1 : 3;
  const bounds = [from];
  const start = new Date(`${from}T00:00:00Z`);
  let month = start.getUTCMonth() - (start.getUTCMonth() % step) + step;
  for (;;) {
    const next = new Date(Date.UTC(start.getUTCFullYear(), month, 1)).toISOString().slice(0, 10);
    if (next >= to) break;
    bounds.push(next);
    month += step;
  }
  bounds.push(to);
  return bounds;
}
