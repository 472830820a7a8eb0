import 'reflect-metadata';

import { plainToInstance, Transform, Type } from 'class-transformer';
import { getMetadataStorage, ValidateBy, ValidateIf, ValidateNested, validateSync, type ValidationError, type ValidationOptions } from 'class-validator';

import type { ConfigProblem } from './config-error.js';
import { childPath } from './interpolate.js';

/*
 * The building blocks of the configuration classes: decorators that convert a raw YAML value into its typed
 * form (class-transformer) and check it (class-validator), and the one-pass `validateAs` that returns the
 * typed instance together with one problem per invalid value, each with its dotted path.
 *
 * Each rule is one function that returns a message or `undefined`. A field's transform converts the raw value
 * only when that rule accepts it and leaves it untouched otherwise, so the validator (which sees the
 * converted value) still reports the raw value's exact problem. Rules accept their own output (`30000` for
 * `30s`), so the two steps agree.
 */

/** Returns the problem of a value, phrased to follow its path, or `undefined` when the value is valid. */
export type Rule = (value: unknown) => string | undefined;

/** Validates only when the key is present; `null` (a key with no value) is present and invalid. */
export function Present(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * One class-validator constraint from a rule; the message is the rule's own. An absent value is `is required`
 * unless `checksAbsent`, when the rule itself judges `undefined`.
 */
export function Check(name: string, rule: Rule, options: ValidationOptions & { checksAbsent?: boolean } = {}): PropertyDecorator {
  const { checksAbsent = false, ...validationOptions } = options;
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => (value !== undefined || checksAbsent) && rule(value) === undefined,
        defaultMessage: (args) => (args?.value === undefined && !checksAbsent ? 'is required' : (rule(args?.value) ?? 'is invalid')),
      },
    },
    validationOptions,
  );
}

/** Converts the raw value with `convert` when `rule` accepts it; an invalid value is kept for the validator. */
function ConvertWhenValid(rule: Rule, convert: (value: unknown) => unknown): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (value !== undefined && value !== null && rule(value) === undefined ? convert(value) : value));
}

/** A field checked by `rule` and converted by `convert` once it passes. */
export function Parsed(name: string, rule: Rule, convert: (value: unknown) => unknown): PropertyDecorator {
  return (target, key) => {
    ConvertWhenValid(rule, convert)(target, key);
    Check(name, rule)(target, key);
  };
}

export function isMapping(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A nested mapping read into (and validated as) an instance of `cls`. */
export function Nested(cls: () => new () => object): PropertyDecorator {
  return (target, key) => {
    // After class-transformer, a mapping is an instance of `cls`; scalars and lists stay as they were.
    Check('isMapping', (value) => (isMapping(value) ? undefined : 'must be a mapping'))(target, key);
    ValidateNested()(target, key);
    Type(cls)(target, key);
  };
}

/** A list whose items are read into (and validated as) instances of `cls`; `rule` checks the list itself. */
export function NestedList(cls: () => new () => object, rule: Rule): PropertyDecorator {
  return (target, key) => {
    Check('isList', rule)(target, key);
    ValidateNested({ each: true })(target, key);
    Type(cls)(target, key);
  };
}

/**
 * Reads `value` into an instance of `cls` and validates it in one pass. Unknown keys are problems, listing
 * the keys `cls` knows. The instance is the typed value only when `problems` is empty.
 */
export function validateAs<T extends object>(
  cls: new () => T,
  value: Record<string, unknown>,
  path: string,
  options: { forbidUnknownKeys?: boolean } = {},
): { instance: T; problems: ConfigProblem[] } {
  const forbidUnknownKeys = options.forbidUnknownKeys ?? true;
  const instance = plainToInstance(cls, value);
  const errors = validateSync(instance, { whitelist: forbidUnknownKeys, forbidNonWhitelisted: forbidUnknownKeys, forbidUnknownValues: false });
  const problems: ConfigProblem[] = [];
  flattenErrors(errors, path, false, problems);
  return { instance, problems };
}

/** The keys a configuration class knows, in declaration order (inherited ones first). */
export function knownKeys(cls: object['constructor']): string[] {
  return [...new Set(getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false).map((metadata) => metadata.propertyName))];
}

/** One problem per invalid value, with its dotted path (`[i]` for list items). */
function flattenErrors(errors: ValidationError[], parent: string, parentIsList: boolean, out: ConfigProblem[]): void {
  for (const error of errors) {
    const path = parentIsList && /^\d+$/.test(error.property) ? childPath(parent, Number(error.property)) : childPath(parent, error.property);
    const constraints = Object.entries(error.constraints ?? {});
    const own = constraints.find(([name]) => name !== 'nestedValidation');
    if (own?.[0] === 'whitelistValidation') {
      out.push({ path, message: error.target ? `unknown key (expected one of ${knownKeys(error.target.constructor).join(', ')})` : 'unknown key' });
      continue;
    }
    if (own) {
      out.push({ path, message: own[1] });
      continue;
    }
    if (constraints.length > 0) {
      out.push({ path, message: 'must be a mapping' });
      continue;
    }
    flattenErrors(error.children ?? [], path, Array.isArray(error.value), out);
  }
}
