export const DAY_MS = 24 * 60 * 60 * 1000;

/** UTC day (YYYY-MM-DD) of an instant. */
export function utcDay(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `day` plus `days` (may be negative). */
export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
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
