import { registerDecorator, ValidationArguments, ValidationOptions } from 'class-validator';

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
// An instant must carry its zone: a bare local time would mean different instants to different sources.
const INSTANT_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && CALENDAR_DATE.test(value) && isRealDay(value);
}

export function isInstantWithZone(value: unknown): value is string {
  return typeof value === 'string' && INSTANT_WITH_ZONE.test(value) && !Number.isNaN(Date.parse(value)) && isRealDay(value);
}

/**
 * Whether the `YYYY-MM-DD` that `text` starts with (digits where they must be: the caller's pattern checked them)
 * names a day of the proleptic Gregorian calendar, as a Date would: no 2026-02-30, no 2026-13-01. Years 0000–0099
 * are refused, as they always were here: the rule was a round trip through `Date.UTC`, which reads them as 1900–1999.
 * Read off the characters rather than through a match and a Date: it showed in the ingest process's profile.
 */
function isRealDay(text: string): boolean {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  return year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

const ZERO = 0x30;

function digits(text: string, start: number, count: number): number {
  let n = 0;
  for (let i = start; i < start + count; i++) n = n * 10 + text.charCodeAt(i) - ZERO;
  return n;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
}

/** `YYYY-MM-DD`, a real day of the calendar (no 2026-02-30). */
export function IsCalendarDate(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: object.constructor,
      propertyName,
      options: { message: 'must be a date YYYY-MM-DD', ...options },
      validator: { validate: isCalendarDate },
    });
}

/** ISO-8601 instant with a zone, `Z` or `±hh:mm`. */
export function IsInstantWithZone(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isInstantWithZone',
      target: object.constructor,
      propertyName,
      options: { message: 'must be an ISO-8601 instant with a zone, e.g. 2026-03-02T10:00:00Z', ...options },
      validator: { validate: isInstantWithZone },
    });
}

/** A calendar date strictly after the date in `property` of the same object (dates compare as strings). */
export function IsDateAfter(property: string, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDateAfter',
      target: object.constructor,
      propertyName,
      constraints: [property],
      options: { message: `must be after ${property}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const other = (args.object as Record<string, unknown>)[property];
          // When the other date is itself invalid its own error says so; do not pile a second one on this field.
          if (!isCalendarDate(value) || !isCalendarDate(other)) return true;
          return value > other;
        },
      },
    });
}

/** Amounts: decimal, at most 2 fraction digits, ≥ 0, and small enough that cents stay exact in a double. */
export const MAX_AMOUNT = 1e13;
export function IsAmount(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isAmount',
      target: object.constructor,
      propertyName,
      options: { message: `must be a number from 0 to ${MAX_AMOUNT} with at most 2 fraction digits`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_AMOUNT) return false;
          return Math.abs(Math.round(value * 100) - value * 100) < 1e-6;
        },
      },
    });
}

const SURVEY_SCORE_RANGE: Record<string, [number, number]> = { nps: [0, 10], csat: [1, 5] };

/** Survey score: an integer 0–10 for nps, 1–5 for csat; the kind is read from `kindProperty`. */
export function IsSurveyScore(kindProperty: string, options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isSurveyScore',
      target: object.constructor,
      propertyName,
      constraints: [kindProperty],
      options: {
        message: (args: ValidationArguments) => {
          const range = SURVEY_SCORE_RANGE[String((args.object as Record<string, unknown>)[kindProperty])];
          return range
            ? `must be an integer from ${range[0]} to ${range[1]} for ${String((args.object as Record<string, unknown>)[kindProperty])}`
            : 'must be an integer: 0–10 for nps, 1–5 for csat';
        },
        ...options,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          if (typeof value !== 'number' || !Number.isInteger(value)) return false;
          const range = SURVEY_SCORE_RANGE[String((args.object as Record<string, unknown>)[kindProperty])] ?? [0, 10];
          return value >= range[0] && value <= range[1];
        },
      },
    });
}
