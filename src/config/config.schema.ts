import 'reflect-metadata';

import { Type } from 'class-transformer';
import { ValidateBy, ValidateIf, ValidateNested, type ValidationOptions } from 'class-validator';

import { ADAPTER_KINDS } from '../sources/source-registry.js';
import { tryParseByteSize } from './byte-size.js';
import { MAX_TIMER_MS, tryParseDuration } from './duration.js';
import { isPlainMapping } from './interpolate.js';

/*
 * Shape of the configuration file as written, checked with class-validator.
 *
 * Fields keep the raw YAML values (`30s`, `"3000"`); `config.loader.ts` converts them into `GatewayConfig`
 * after validation. Each field has one validator that checks type and range at once, so every invalid
 * value gives exactly one readable message. Numbers and flags also accept their string form (`"3000"`,
 * `"true"`) because `${VAR}` interpolation always yields strings. Unknown keys are problems everywhere
 * except directly inside a source, where they are the kind's options (see the loader).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Validates only when the key is present; `null` (a key with no value) is present and invalid. */
function Present(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

function check(name: string, validate: (value: unknown) => string | undefined, options?: ValidationOptions): PropertyDecorator {
  // The message is computed by the same function; class-validator asks for it only after a failure.
  return ValidateBy(
    {
      name,
      validator: {
        validate: (value: unknown) => value !== undefined && validate(value) === undefined,
        defaultMessage: (args) => (args?.value === undefined ? 'is required' : (validate(args.value) ?? 'is invalid')),
      },
    },
    options,
  );
}

/** A nested mapping validated by `cls`. */
function Nested(cls: () => new () => object): PropertyDecorator {
  return (target, key) => {
    // After class-transformer, a mapping is an instance of `cls`; scalars and lists stay as they were.
    check('isMapping', (value) => (typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be a mapping'))(
      target,
      key,
    );
    ValidateNested()(target, key);
    Type(cls)(target, key);
  };
}

/** An integer (or a string of digits) from `min` to `max`. */
export function integerProblem(value: unknown, min: number, max = MAX_SAFE): string | undefined {
  const range = max === MAX_SAFE ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) return `must be ${range}`;
  return undefined;
}

function IsIntegerIn(min: number, max = MAX_SAFE): PropertyDecorator {
  return check('isIntegerIn', (value) => integerProblem(value, min, max));
}

function formatMs(ms: number): string {
  return ms === MAX_TIMER_MS ? `${ms}ms (about 24 days)` : `${ms}ms`;
}

/** A duration (see `duration.ts`) from `min` to `max` milliseconds. */
export function durationProblem(value: unknown, min = 0, max = MAX_SAFE): string | undefined {
  const result = tryParseDuration(value);
  if (!result.ok) return result.message;
  if (result.ms < min) return min === 1 ? 'must be longer than 0ms' : `must be at least ${formatMs(min)}`;
  if (result.ms > max) return `must be at most ${formatMs(max)}`;
  return undefined;
}

function IsDuration(min = 0, max = MAX_SAFE): PropertyDecorator {
  return check('isDuration', (value) => durationProblem(value, min, max));
}

/** Most bytes `maxResponseSize` may allow: a profile is a few KiB, and the body is buffered in memory. */
export const MAX_RESPONSE_SIZE_LIMIT = 64 * 1024 * 1024;

function IsByteSize(min: number, max: number): PropertyDecorator {
  return check('isByteSize', (value) => {
    const result = tryParseByteSize(value);
    if (!result.ok) return result.message;
    if (result.bytes < min) return `must be at least ${min} byte`;
    if (result.bytes > max) return `must be at most ${max / (1024 * 1024)}mb`;
    return undefined;
  });
}

/** `true`/`false`, or their string form. */
export function flagProblem(value: unknown): string | undefined {
  return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : 'must be true or false';
}

/** A non-empty string; with `noWhitespace`, also free of spaces, tabs, line breaks and control characters. */
export function textProblem(value: unknown, noWhitespace = false): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value === '') return 'must not be empty';
  // eslint-disable-next-line no-control-regex
  if (noWhitespace && /[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain whitespace or control characters';
  return undefined;
}

function IsText(noWhitespace = false): PropertyDecorator {
  return check('isText', (value) => textProblem(value, noWhitespace));
}

function Matches(pattern: RegExp, message: string): PropertyDecorator {
  return check('matches', (value) => textProblem(value) ?? (pattern.test(value as string) ? undefined : message));
}

function IsOneOf(values: readonly string[]): PropertyDecorator {
  return check('isOneOf', (value) => (typeof value === 'string' && values.includes(value) ? undefined : `must be one of ${values.join(', ')}`));
}

export type BaseUrlResult = { ok: true; url: string } | { ok: false; message: string };

/**
 * Checks an upstream base URL and normalizes it: http(s) only, no credentials (they belong in `token`),
 * no query string or fragment (paths are appended to it), trailing slashes removed.
 */
export function normalizeBaseUrl(value: unknown): BaseUrlResult {
  const invalid = { ok: false, message: 'must be an http(s) URL' } as const;
  if (typeof value !== 'string' || value !== value.trim() || value === '') return invalid;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return invalid;
  if (url.username !== '' || url.password !== '') return { ok: false, message: 'must not contain credentials (put them in token)' };
  if (value.includes('?')) return { ok: false, message: 'must not contain a query string' };
  if (value.includes('#')) return { ok: false, message: 'must not contain a fragment' };
  return { ok: true, url: url.origin + url.pathname.replace(/\/+$/, '') };
}

/** Mirrors the `cache` settings of a source; every field optional. */
export class CachePolicySchema {
  /** Freshness; must be positive (a profile that is never fresh would always call the upstream). */
  @Present() @IsDuration(1) ttl?: unknown;
  @Present() @IsDuration() staleWhileRevalidate?: unknown;
  @Present() @IsDuration() staleIfError?: unknown;
  @Present() @IsDuration() notFoundTtl?: unknown;
}

export class CircuitBreakerSchema {
  @Present() @IsIntegerIn(1, 1000) failureThreshold?: unknown;
  @Present() @IsDuration(1, MAX_TIMER_MS) halfOpenAfter?: unknown;
}

/** Settings of `defaults`, which every source may also set for itself. */
export class SourceSettingsSchema {
  @Present() @IsDuration(1, MAX_TIMER_MS) timeout?: unknown;
  @Present() @IsIntegerIn(0, 10) retries?: unknown;
  @Present() @IsDuration(1, MAX_TIMER_MS) connectTimeout?: unknown;
  @Present() @IsDuration(1, MAX_TIMER_MS) headersTimeout?: unknown;
  @Present() @IsDuration(1, MAX_TIMER_MS) bodyTimeout?: unknown;
  @Present() @IsByteSize(1, MAX_RESPONSE_SIZE_LIMIT) maxResponseSize?: unknown;
  @Present() @IsIntegerIn(1, 10_000) maxConcurrency?: unknown;
  @Present() @IsIntegerIn(0, 100_000) maxQueue?: unknown;
  @Present() @Nested(() => CircuitBreakerSchema) circuitBreaker?: unknown;
  @Present() @Nested(() => CachePolicySchema) cache?: unknown;
}

export const SOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The known keys of one source (the others are its kind's options). */
export class SourceSchema extends SourceSettingsSchema {
  /** Optional; when present it must repeat the mapping key (checked by the loader). */
  @Present() @IsText() name?: unknown;
  @IsOneOf(ADAPTER_KINDS) kind?: unknown;
  @check('isHttpUrl', (value) => {
    const result = normalizeBaseUrl(value);
    return result.ok ? undefined : result.message;
  })
  baseUrl?: unknown;
  @IsText(true) token?: unknown;
}

/** Every key of `SourceSchema`; anything else under a source is a kind option. */
export const SOURCE_KEYS: readonly string[] = [
  'name',
  'kind',
  'baseUrl',
  'token',
  'timeout',
  'retries',
  'connectTimeout',
  'headersTimeout',
  'bodyTimeout',
  'maxResponseSize',
  'maxConcurrency',
  'maxQueue',
  'circuitBreaker',
  'cache',
];

export class ServerSchema {
  /** 0 asks the operating system for any free port. */
  @Present() @IsIntegerIn(0, 65_535) port?: unknown;
  @Present() @IsText(true) host?: unknown;
  @Present() @IsDuration(1, MAX_TIMER_MS) shutdownTimeout?: unknown;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export class LogSchema {
  @Present() @IsOneOf(LOG_LEVELS) level?: unknown;
}

export class RateLimitSchema {
  @IsIntegerIn(1) limit?: unknown;
  @IsDuration(1) window?: unknown;
}

export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export class ApiKeySchema {
  /** Shown in logs and metrics, so restricted to a label-friendly alphabet. */
  @Matches(API_KEY_NAME_PATTERN, 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit')
  name?: unknown;
  /** Plain key; hashed at load time. Exactly one of `key` and `keySha256` (checked by the loader). */
  @Present() @IsText(true) key?: unknown;
  @Present() @Matches(/^[0-9a-fA-F]{64}$/, 'must be 64 hexadecimal characters (a SHA-256 digest)') keySha256?: unknown;
  /** Source names or `*`; names are checked against `sources` by the loader. */
  @check('isSourceList', (value) => {
    if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty list of source names or "*"';
    return value.every((item) => typeof item === 'string' && item !== '') ? undefined : 'must hold only non-empty strings';
  })
  sources?: unknown;
  @Present() @Nested(() => RateLimitSchema) rateLimit?: unknown;
}

export class AuthSchema {
  /** Turns caller authentication off: local demos only. */
  @Present() @check('isFlag', flagProblem) disabled?: unknown;
  /** Required and non-empty unless `disabled` (checked by the loader). */
  @Present()
  @check('isList', (value) => (Array.isArray(value) ? undefined : 'must be a list'))
  @ValidateNested({ each: true })
  @Type(() => ApiKeySchema)
  apiKeys?: unknown;
}

export class RedisNodeSchema {
  @IsText(true) host?: unknown;
  @IsIntegerIn(1, 65_535) port?: unknown;
}

function IsNodeList(): PropertyDecorator {
  return (target, key) => {
    check('isNodeList', (value) => (Array.isArray(value) && value.length > 0 ? undefined : 'must be a non-empty list of { host, port }'))(
      target,
      key,
    );
    ValidateNested({ each: true })(target, key);
    Type(() => RedisNodeSchema)(target, key);
  };
}

export class RedisClusterSchema {
  @IsNodeList() nodes?: unknown;
}

export class RedisSentinelSchema {
  /** Name of the monitored master. */
  @IsText(true) name?: unknown;
  @IsNodeList() nodes?: unknown;
}

export class RedisSchema {
  /** Exactly one of `url`, `cluster` and `sentinel` (checked by the loader). */
  @Present()
  @check('isRedisUrl', (value) => {
    if (typeof value !== 'string') return 'must be a redis:// or rediss:// URL';
    try {
      const url = new URL(value);
      return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' ? undefined : 'must be a redis:// or rediss:// URL';
    } catch {
      return 'must be a redis:// or rediss:// URL';
    }
  })
  url?: unknown;
  @Present() @Nested(() => RedisClusterSchema) cluster?: unknown;
  @Present() @Nested(() => RedisSentinelSchema) sentinel?: unknown;
  @Present() @Matches(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/, 'must be 1 to 64 letters, digits, colons, dots, dashes or underscores') keyPrefix?: unknown;
  @Present() @IsDuration(1, MAX_TIMER_MS) commandTimeout?: unknown;
}

export class MemoryCacheSchema {
  @Present() @IsIntegerIn(1, 10_000_000) maxItems?: unknown;
  /** Capped per source at the source's `cache.ttl` (by the loader). */
  @Present() @IsDuration(1) ttl?: unknown;
}

export class CacheSchema {
  @Present() @Nested(() => RedisSchema) redis?: unknown;
  @Present() @Nested(() => MemoryCacheSchema) memory?: unknown;
}

/** The whole file. `sources` is a mapping of name to source, validated entry by entry by the loader. */
export class GatewayFileSchema {
  @Present() @Nested(() => ServerSchema) server?: unknown;
  @Present() @Nested(() => LogSchema) log?: unknown;
  @Present() @Nested(() => AuthSchema) auth?: unknown;
  @Present() @Nested(() => CacheSchema) cache?: unknown;
  @Present() @Nested(() => SourceSettingsSchema) defaults?: unknown;
  @check('isMapping', (value) => (isPlainMapping(value) ? undefined : 'must be a mapping of source name to source'))
  sources?: unknown;
}
