import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { CompiledCheck, compileValidation } from './compiled-validation';
import { EVENT_DATA_CLASSES, EVENT_TYPES, EventType, isEventType } from './event-catalog';
import { EventEnvelope, EventEnvelopeShape } from './envelope';

export interface FieldError {
  /** Path of the offending field in the envelope, e.g. `data.arr` or `data.products[1]`; empty for the whole envelope. */
  field: string;
  message: string;
}

export type EnvelopeValidation = { ok: true; envelope: EventEnvelope } | { ok: false; errors: FieldError[] };

/** How far in the future `occurredAt` may lie: clocks of source systems drift, business facts are not scheduled. */
export const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

const envelopeRules = compileValidation(EventEnvelopeShape);
const dataRules = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, compileValidation(EVENT_DATA_CLASSES[type] as new () => object)]),
) as Record<EventType, CompiledCheck>;

const STRICT = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false },
};

/**
 * Validates one inbound envelope against events.md: shape, the type's data rules, unknown properties rejected.
 * `now` bounds `occurredAt` (no clock is read here). Every offending field is reported, not just the first.
 */
export function validateEnvelope(input: unknown, now: Date): EnvelopeValidation {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { ok: false, errors: [{ field: '', message: 'must be a JSON object (an event envelope)' }] };
  }
  const raw = input as Record<string, unknown>;
  // Most input is valid, and only an invalid one needs class-validator's run for its messages.
  if (passesCompiledRules(raw, now)) return { ok: true, envelope: validEnvelope(raw) };
  return explainedValidation(raw, now);
}

/**
 * The same rules as `explainedValidation`, compiled (`compileValidation`): no class-transformer, no error objects.
 * validate-envelope.spec.ts checks that the two answers agree on thousands of variants of valid envelopes.
 */
export function passesCompiledRules(raw: Record<string, unknown>, now: Date): boolean {
  return (
    envelopeRules(raw) &&
    dataRules[raw.type as EventType](raw.data) &&
    Date.parse(raw.occurredAt as string) - now.getTime() <= MAX_FUTURE_MS &&
    !containsUnstorable(raw)
  );
}

/**
 * class-validator's own run (with class-transformer), every offending field named: what `validateEnvelope` answers
 * for invalid input, and the reference its faster path is tested against.
 */
export function explainedValidation(raw: Record<string, unknown>, now: Date): EnvelopeValidation {
  const shape = plainToInstance(EventEnvelopeShape, raw);
  const errors = flatten(validateSync(shape, STRICT));

  if (isEventType(raw.type) && raw.data !== null && typeof raw.data === 'object' && !Array.isArray(raw.data)) {
    const data = plainToInstance(EVENT_DATA_CLASSES[raw.type] as new () => object, raw.data);
    errors.push(...flatten(validateSync(data, STRICT), 'data'));
  }
  if (typeof raw.occurredAt === 'string' && !errors.some((e) => e.field === 'occurredAt')) {
    const occurredAt = Date.parse(raw.occurredAt);
    if (occurredAt - now.getTime() > MAX_FUTURE_MS) {
      errors.push({ field: 'occurredAt', message: `must not be more than 24 h in the future (server time ${now.toISOString()})` });
    }
  }
  errors.push(...unstorableCharacters(raw));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, envelope: validEnvelope(raw) };
}

/** Rebuilt from the validated input, so that nothing but the catalog's properties reaches the store. */
function validEnvelope(raw: Record<string, unknown>): EventEnvelope {
  return {
    type: raw.type,
    accountId: raw.accountId,
    occurredAt: raw.occurredAt,
    source: { system: (raw.source as EventEnvelope['source']).system, eventId: (raw.source as EventEnvelope['source']).eventId },
    ...(raw.actor !== undefined ? { actor: raw.actor } : {}),
    data: raw.data,
  } as EventEnvelope;
}

/**
 * Whether `text` holds no UTF-16 surrogate without its pair: JSON can escape one (`"\\ud800"`), but it is no
 * character, and jsonb refuses it. ES2024's native check (Node 20 has it; the ES2023 typings this project compiles
 * against do not declare it), which a regular expression was not: it showed in the ingest process's profile.
 */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

/** Why PostgreSQL cannot store `text` as JSON, if it cannot. */
function unstorable(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (!isWellFormed(text)) return 'must be well-formed Unicode: a lone surrogate (U+D800 to U+DFFF) is no character';
  return undefined;
}

function containsUnstorable(value: unknown): boolean {
  if (typeof value === 'string') return unstorable(value) !== undefined;
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some(containsUnstorable);
  for (const key of Object.keys(value)) {
    if (unstorable(key) !== undefined || containsUnstorable((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** Every string and property name PostgreSQL's jsonb cannot hold (`unstorable`), named by its path. */
function unstorableCharacters(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string') {
    const message = unstorable(value);
    return message ? [{ field: path, message }] : [];
  }
  if (value === null || typeof value !== 'object') return [];
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorableCharacters(item, `${path}[${index}]`));
  return Object.entries(value).flatMap(([key, item]) => {
    const message = unstorable(key);
    // The key is named with its NULs and surrogates escaped, so that the answer itself is well-formed.
    const named = key.replaceAll('\u0000', '\\u0000').replace(/[\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
    return message ? [{ field: joinPath(path, named), message }] : unstorableCharacters(item, joinPath(path, key));
  });
}

function flatten(errors: ValidationError[], prefix = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const path = joinPath(prefix, error.property);
    for (const [constraint, message] of Object.entries(error.constraints ?? {})) {
      out.push({ field: path, message: constraint === 'whitelistValidation' ? 'is not a known property' : message });
    }
    if (error.children?.length) out.push(...flatten(error.children, path));
  }
  return out;
}

function joinPath(prefix: string, property: string): string {
  if (/^\d+$/.test(property)) return `${prefix}[${property}]`;
  return prefix ? `${prefix}.${property}` : property;
}
