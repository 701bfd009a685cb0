export const DAY_MS = 24 * 60 * 60 * 1000;

/** UTC day (YYYY-MM-DD) of an instant. */
export function utcDay(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** `day` plus `days` (may be negative). */
export function addDays(day: string, days: number): string {
  return utcDay(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS);
}
