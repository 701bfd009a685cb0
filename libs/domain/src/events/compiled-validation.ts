import { getMetadataStorage, IS_LENGTH, length, MATCHES, MAX_LENGTH, maxLength, ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

/** Whether a plain value passes every rule of a class: a yes/no, with no messages. */
export type CompiledCheck = (value: unknown) => boolean;

interface PropertyRules {
  property: string;
  /** IsOptional and the like: when one says no, the property's rules are skipped. */
  conditions: Array<(object: object, value: unknown) => boolean>;
  rules: Array<(value: unknown, object: object) => boolean>;
  /** ValidateNested: the rules of the property's class (design type), on an object value. */
  nested?: CompiledCheck;
}

/**
 * The rules that class-validator's decorators declared on `target`, read from its metadata once and run on the plain
 * object itself: the same validator functions (the constraint classes' `validate`, `each` over arrays), the same
 * conditions, unknown properties refused as `forbidNonWhitelisted` does. What it saves per call is class-transformer's
 * instance, the metadata lookups and the error objects, which made up most of ingest's CPU on large batches.
 *
 * A yes/no only: callers run class-validator itself when the answer is no, for its messages, so class-validator
 * stays the contract; validate-envelope.spec.ts checks that both agree on thousands of variants of valid events.
 * Only synchronous rules, with no groups, as Rapport's classes declare them.
 */
export function compileValidation(target: new () => object): CompiledCheck {
  const storage = getMetadataStorage();
  const metadatas = storage.getTargetValidationMetadatas(target, '', true, false);
  const byProperty = new Map<string, ValidationMetadata[]>();
  for (const metadata of metadatas) byProperty.set(metadata.propertyName, [...(byProperty.get(metadata.propertyName) ?? []), metadata]);
  const properties: PropertyRules[] = [...byProperty].map(([property, list]) => {
    const rules: PropertyRules = { property, conditions: [], rules: [] };
    for (const metadata of list) {
      if (metadata.type === 'conditionalValidation') {
        rules.conditions.push(metadata.constraints[0] as (object: object, value: unknown) => boolean);
      } else if (metadata.type === 'nestedValidation') {
        const type = Reflect.getMetadata('design:type', target.prototype as object, property) as (new () => object) | undefined;
        if (!type || type === Object || type === Array) throw new Error(`${target.name}.${property}: nested validation needs a class type`);
        rules.nested = compileValidation(type);
      } else if (metadata.type === 'customValidation' || metadata.type === 'isDefined') {
        const specialised = specialisedRule(metadata);
        if (specialised) {
          rules.rules.push(metadata.each ? (value) => (Array.isArray(value) ? value.every(specialised) : specialised(value)) : specialised);
          continue;
        }
        for (const constraint of storage.getTargetValidatorConstraints(metadata.constraintCls)) {
          const instance = constraint.instance as { validate(value: unknown, args: ValidationArguments): unknown };
          // One arguments object a rule, refilled at each call (validators are synchronous and keep nothing): a new
          // one a call, with `target.name` read through its getter, was a third of the check's time.
          const args: ValidationArguments = {
            targetName: target.name,
            property,
            object: {},
            value: undefined,
            constraints: metadata.constraints,
          };
          const check = (value: unknown, object: object) => {
            args.object = object;
            args.value = value;
            return instance.validate(value, args) === true;
          };
          rules.rules.push(
            metadata.each
              ? (value, object) => (Array.isArray(value) ? value.every((item) => check(item, object)) : check(value, object))
              : check,
          );
        }
      } else {
        throw new Error(`${target.name}.${property}: validation of type ${metadata.type} is not compiled`);
      }
    }
    return rules;
  });
  const known = new Set(properties.map((p) => p.property));

  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) if (!known.has(key)) return false;
    for (const { property, conditions, rules, nested } of properties) {
      const propertyValue = object[property];
      if (!conditionsHold(conditions, object, propertyValue)) continue;
      for (const rule of rules) if (!rule(propertyValue, object)) return false;
      if (nested && !nested(propertyValue)) return false;
    }
    return true;
  };
}

/**
 * Characters that make validator.js's `isLength` count a string's length otherwise than `.length` does: a surrogate
 * pair counts as one character, and so does a character with its presentation selector (U+FE0E, U+FE0F).
 */
const COUNTED_APART = /[\uD800-\uDFFF]|\uFE0E|\uFE0F/;

/**
 * class-validator's own rule, for the three of its string rules that most fields declare, without what they cost:
 * validator.js's `isLength` lists a string's surrogate pairs and presentation sequences with `match` (two arrays a
 * call) and `matches` runs `match` for a yes/no. Where a string holds none of those characters its length is
 * `.length`, and a pattern without the `g` or `y` flag matches where `test` says so; otherwise class-validator's own
 * function answers. Undefined for every other rule. validate-envelope.spec.ts compares the answers with
 * class-validator's on values of both kinds.
 */
function specialisedRule(metadata: ValidationMetadata): ((value: unknown) => boolean) | undefined {
  const [first, second] = (metadata.constraints ?? []) as unknown[];
  if (metadata.name === IS_LENGTH && typeof first === 'number' && (second === undefined || typeof second === 'number')) {
    const min = first;
    return (value) =>
      typeof value === 'string' &&
      (COUNTED_APART.test(value) ? length(value, min, second) : value.length >= min && (second === undefined || value.length <= second));
  }
  if (metadata.name === MAX_LENGTH && typeof first === 'number') {
    const max = first;
    return (value) => typeof value === 'string' && (COUNTED_APART.test(value) ? maxLength(value, max) : value.length <= max);
  }
  if (metadata.name === MATCHES && first instanceof RegExp && !first.global && !first.sticky) {
    const pattern = first;
    return (value) => typeof value === 'string' && pattern.test(value);
  }
  return undefined;
}

/** `conditions.every(…)` without a closure made at each property of each call. */
function conditionsHold(conditions: PropertyRules['conditions'], object: object, value: unknown): boolean {
  for (const condition of conditions) if (!condition(object, value)) return false;
  return true;
}
