import 'reflect-metadata';

import { Type } from 'class-transformer';

import type { AdapterKind } from '../profiles/adapter-kind.js';
import { parseByteSize, tryParseByteSize } from './byte-size.js';
import { MAX_TIMER_MS, parseDuration, tryParseDuration } from './duration.js';
import { isPlainMapping } from './interpolate.js';
import { Check, Nested, NestedList, Parsed, Present, type Rule } from './validation.js';

/*
 * The configuration file (contract section 6), described once: each class is one section, each field one key
 * with its rule, its conversion and its default. `config.loader.ts` reads the file into `GatewayFileSchema`
 * with `validateAs`; after validation the fields hold typed values (`30s` is `30000`, `"3000"` is `3000`,
 * `"true"` is `true`), and a key that is absent keeps the default written here.
 *
 * Each field has one rule that checks type and range at once, so every invalid value gives exactly one
 * readable message. Numbers and flags also accept their string form because `${VAR}` interpolation always
 * yields strings. Unknown keys are problems everywhere except directly inside a source, where they are the
 * kind's options (see the loader).
 */

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const MEBIBYTE = 1024 * 1024;

/** Most bytes `maxResponseSize` may allow: a profile is a few KiB, and the body is buffered in memory. */
export const MAX_RESPONSE_SIZE_LIMIT = 64 * MEBIBYTE;

// ---- rules ----

/** An integer (or a string of digits) from `min` to `max`. */
function integerProblem(value: unknown, min: number, max = MAX_SAFE): string | undefined {
  const range = max === MAX_SAFE ? `an integer of at least ${min}` : `an integer from ${min} to ${max}`;
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < min || number > max) return `must be ${range}`;
  return undefined;
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

/** A byte size (see `byte-size.ts`) from `min` to `max` bytes. */
function byteSizeProblem(value: unknown, min: number, max = MAX_SAFE): string | undefined {
  const result = tryParseByteSize(value);
  if (!result.ok) return result.message;
  if (result.bytes < min) return `must be at least ${min} byte${min === 1 ? '' : 's'}`;
  if (result.bytes > max) return `must be at most ${max / MEBIBYTE}mb`;
  return undefined;
}

/** `true`/`false`, or their string form. */
export function flagProblem(value: unknown): string | undefined {
  return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : 'must be true or false';
}

/** A non-empty string; with `noWhitespace`, also free of spaces, tabs, line breaks and control characters. */
function textProblem(value: unknown, noWhitespace = false): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value === '') return 'must not be empty';
  // eslint-disable-next-line no-control-regex
  if (noWhitespace && /[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain whitespace or control characters';
  return undefined;
}

/** A number (or its string form) from `min` to `max`, fractions allowed. */
function ratioProblem(value: unknown, min = 0, max = 1): string | undefined {
  const number = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= min && number <= max ? undefined : `must be a number from ${min} to ${max}`;
}

export type BaseUrlResult = { ok: true; url: string } | { ok: false; message: string };

/**
 * Checks an upstream base URL and normalizes it: http(s) only, no credentials (they belong in `token`),
 * no query string or fragment (paths are appended to it), trailing slashes removed.
 */
function normalizeBaseUrl(value: unknown): BaseUrlResult {
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

function urlProblem(value: unknown, protocols: readonly string[], message: string): string | undefined {
  if (typeof value !== 'string') return message;
  try {
    const url = new URL(value);
    return protocols.includes(url.protocol) && url.hostname !== '' ? undefined : message;
  } catch {
    return message;
  }
}

// ---- field decorators ----

function IsIntegerIn(min: number, max = MAX_SAFE): PropertyDecorator {
  return Parsed('isIntegerIn', (value) => integerProblem(value, min, max), Number);
}

function IsDuration(min = 0, max = MAX_SAFE): PropertyDecorator {
  return Parsed('isDuration', (value) => durationProblem(value, min, max), parseDuration);
}

function IsByteSize(min: number, max = MAX_SAFE): PropertyDecorator {
  return Parsed('isByteSize', (value) => byteSizeProblem(value, min, max), parseByteSize);
}

function IsFlag(): PropertyDecorator {
  return Parsed('isFlag', flagProblem, (value) => value === true || value === 'true');
}

function IsRatio(): PropertyDecorator {
  return Parsed('isRatio', (value) => ratioProblem(value), Number);
}

function IsText(noWhitespace = false): PropertyDecorator {
  return Check('isText', (value) => textProblem(value, noWhitespace));
}

function Matches(pattern: RegExp, message: string): PropertyDecorator {
  return Check('matches', (value) => textProblem(value) ?? (typeof value === 'string' && pattern.test(value) ? undefined : message));
}

function IsOneOf(values: readonly string[]): PropertyDecorator {
  return Check('isOneOf', (value) => (typeof value === 'string' && values.includes(value) ? undefined : `must be one of ${values.join(', ')}`));
}

// ---- sources and their defaults ----

/** A source's `cache` settings; every key optional (absent: inherited from `defaults`). */
export class CachePolicySchema {
  /** Freshness; must be positive (a profile that is never fresh would always call the upstream). */
  @Present() @IsDuration(1) ttl?: number;
  @Present() @IsDuration() staleWhileRevalidate?: number;
  @Present() @IsDuration() staleIfError?: number;
  @Present() @IsDuration() notFoundTtl?: number;
}

/** `defaults.cache`: the built-in cache policy. */
class CachePolicyDefaults extends CachePolicySchema {
  override ttl = 5 * MINUTE;
  override staleWhileRevalidate = MINUTE;
  override staleIfError = 24 * 60 * MINUTE;
  override notFoundTtl = MINUTE;
}

export class CircuitBreakerSchema {
  @Present() @IsIntegerIn(1, 1000) failureThreshold?: number;
  @Present() @IsDuration(1, MAX_TIMER_MS) halfOpenAfter?: number;
}

class CircuitBreakerDefaults extends CircuitBreakerSchema {
  override failureThreshold = 5;
  override halfOpenAfter = 30 * SECOND;
}

/** Settings of `defaults` that every source may also set for itself; here every key is optional. */
export class SourceSettingsSchema {
  @Present() @IsDuration(1, MAX_TIMER_MS) timeout?: number;
  @Present() @IsIntegerIn(0, 10) retries?: number;
  @Present() @IsDuration(1, MAX_TIMER_MS) connectTimeout?: number;
  /** Optional per-attempt bounds; unset = only `timeout`. */
  @Present() @IsDuration(1, MAX_TIMER_MS) headersTimeout?: number;
  @Present() @IsDuration(1, MAX_TIMER_MS) bodyTimeout?: number;
  @Present() @IsByteSize(1, MAX_RESPONSE_SIZE_LIMIT) maxResponseSize?: number;
  @Present() @IsIntegerIn(1, 10_000) maxConcurrency?: number;
  @Present() @IsIntegerIn(0, 100_000) maxQueue?: number;
  @Present() @Nested(() => CircuitBreakerSchema) circuitBreaker?: CircuitBreakerSchema;
  @Present() @Nested(() => CachePolicySchema) cache?: CachePolicySchema;
}

/** `defaults`: the built-in default of every source setting. */
export class DefaultsSchema extends SourceSettingsSchema {
  override timeout = 2 * SECOND;
  override retries = 2;
  override connectTimeout = SECOND;
  override maxResponseSize = MEBIBYTE;
  override maxConcurrency = 16;
  override maxQueue = 100;
  @Type(() => CircuitBreakerDefaults) override circuitBreaker = new CircuitBreakerDefaults();
  @Type(() => CachePolicyDefaults) override cache = new CachePolicyDefaults();
}

export const SOURCE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The known keys of one source (the others are its kind's options). */
export class SourceSchema extends SourceSettingsSchema {
  /** Optional; when present it must repeat the mapping key (checked by the loader). */
  @Present() @IsText() name?: string;
  /** Required here; that it is a registered kind is checked by the loader, which is handed the registry's kinds. */
  @Check('isKind', () => undefined) kind!: AdapterKind;
  /** Normalized: no trailing slash. */
  @Parsed(
    'isHttpUrl',
    (value) => {
      const result = normalizeBaseUrl(value);
      return result.ok ? undefined : result.message;
    },
    (value) => {
      const result = normalizeBaseUrl(value);
      return result.ok ? result.url : value;
    },
  )
  baseUrl!: string;
  @IsText(true) token!: string;
}

// ---- the other sections ----

export class ServerSchema {
  /** 0 asks the operating system for any free port. */
  @IsIntegerIn(0, 65_535) port = 3000;
  @IsText(true) host = '0.0.0.0';
  @IsDuration(1, MAX_TIMER_MS) shutdownTimeout = 10 * SECOND;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];

export class LogSchema {
  @IsOneOf(LOG_LEVELS) level: LogLevel = 'info';
}

export class RateLimitSchema {
  @IsIntegerIn(1) limit!: number;
  @IsDuration(1) window!: number;
}

export const API_KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Shortest plain caller key accepted: a shorter secret is guessable. */
const MIN_API_KEY_LENGTH = 16;

/** What a caller key may do: `read` profiles, `purge` cached entries. */
const API_KEY_ACTIONS = ['read', 'purge'] as const;

export type ApiKeyAction = (typeof API_KEY_ACTIONS)[number];

const actionsProblem: Rule = (value) => {
  if (!Array.isArray(value) || value.length === 0) return `must be a non-empty list of ${API_KEY_ACTIONS.join(', ')}`;
  const items: unknown[] = value;
  const unknown = items.find((item) => typeof item !== 'string' || !(API_KEY_ACTIONS as readonly string[]).includes(item));
  return unknown === undefined ? undefined : `${JSON.stringify(unknown)} is not an action (expected one of ${API_KEY_ACTIONS.join(', ')})`;
};

export const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

const callerKeyProblem: Rule = (value) => {
  const problem = textProblem(value, true);
  if (problem !== undefined || typeof value !== 'string') return problem;
  return [...value].length < MIN_API_KEY_LENGTH ? `must be at least ${MIN_API_KEY_LENGTH} characters` : undefined;
};

export class ApiKeySchema {
  /** Shown in logs and metrics, so restricted to a label-friendly alphabet. */
  @Matches(API_KEY_NAME_PATTERN, 'must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit')
  name!: string;
  /** Plain key; hashed at load time. Exactly one of `key` and `keySha256` (checked by the loader). */
  @Present()
  @Check('isCallerKey', callerKeyProblem)
  key?: string;
  /** Stored in lower case. */
  @Present()
  @Parsed(
    'isSha256',
    (value) => textProblem(value) ?? (typeof value === 'string' && SHA256_HEX.test(value) ? undefined : 'must be 64 hexadecimal characters (a SHA-256 digest)'),
    (value) => String(value).toLowerCase(),
  )
  keySha256?: string;
  /** Source names or `*`; names are checked against `sources` by the loader. */
  @Check('isSourceList', (value) => {
    if (!Array.isArray(value) || value.length === 0) return 'must be a non-empty list of source names or "*"';
    return value.every((item) => typeof item === 'string' && item !== '') ? undefined : 'must hold only non-empty strings';
  })
  sources!: string[];
  @Present() @Nested(() => RateLimitSchema) rateLimit?: RateLimitSchema;
  @Check('isActionList', actionsProblem) actions: ApiKeyAction[] = ['read'];
}

export class AuthSchema {
  /** Turns caller authentication off: local demos only. */
  @IsFlag() disabled = false;
  /** Required and non-empty unless `disabled` (checked by the loader). */
  @NestedList(() => ApiKeySchema, (value) => (Array.isArray(value) ? undefined : 'must be a list'))
  apiKeys: ApiKeySchema[] = [];
}

export class RedisNodeSchema {
  @IsText(true) host!: string;
  @IsIntegerIn(1, 65_535) port!: number;
}

const nodeListProblem: Rule = (value) => (Array.isArray(value) && value.length > 0 ? undefined : 'must be a non-empty list of { host, port }');

export class RedisClusterSchema {
  @NestedList(() => RedisNodeSchema, nodeListProblem) nodes!: RedisNodeSchema[];
}

export class RedisSentinelSchema {
  /** Name of the monitored master. */
  @IsText(true) name!: string;
  @NestedList(() => RedisNodeSchema, nodeListProblem) nodes!: RedisNodeSchema[];
}

export class RedisSchema {
  /** Exactly one of `url`, `cluster` and `sentinel` (checked by the loader). */
  @Present()
  @Check('isRedisUrl', (value) => urlProblem(value, ['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL'))
  url?: string;
  @Present() @Nested(() => RedisClusterSchema) cluster?: RedisClusterSchema;
  @Present() @Nested(() => RedisSentinelSchema) sentinel?: RedisSentinelSchema;
  @Matches(/^[A-Za-z0-9][A-Za-z0-9:._-]{0,63}$/, 'must be 1 to 64 letters, digits, colons, dots, dashes or underscores') keyPrefix = 'pgw';
  @IsDuration(1, MAX_TIMER_MS) commandTimeout = 500;
}

export class MemoryCacheSchema {
  @IsIntegerIn(1, 10_000_000) maxItems = 10_000;
  /** Capped per source at the source's `cache.ttl` (by the cache). */
  @IsDuration(1) ttl = 30 * SECOND;
  /** Budget of the memory tier in bytes. */
  @IsByteSize(1) maxBytes = 64 * MEBIBYTE;
}

export class CacheSchema {
  /** Absent: the memory tier serves alone. */
  @Present() @Nested(() => RedisSchema) redis?: RedisSchema;
  @Nested(() => MemoryCacheSchema) memory = new MemoryCacheSchema();
}

/** `POST /profiles/batch` (contract section 7). */
class BatchSchema {
  @IsIntegerIn(1, 1000) maxLookups = 100;
}

/** Export of traces over OTLP/HTTP; the section absent means no tracing. */
class TracingSchema {
  @Check('isHttpUrl', (value) => urlProblem(value, ['http:', 'https:'], 'must be an http(s) URL')) otlpEndpoint!: string;
  @IsText() serviceName = 'profile-gateway';
  /** Share of root traces sampled; parent-based (a sampled caller is always traced). */
  @IsRatio() sampleRatio = 1;
}

/** The whole file. `sources` is a mapping of name to source, validated entry by entry by the loader. */
export class GatewayFileSchema {
  @Nested(() => ServerSchema) server = new ServerSchema();
  @Nested(() => LogSchema) log = new LogSchema();
  @Nested(() => AuthSchema) auth = new AuthSchema();
  @Nested(() => CacheSchema) cache = new CacheSchema();
  @Nested(() => DefaultsSchema) defaults = new DefaultsSchema();
  @Nested(() => BatchSchema) batch = new BatchSchema();
  @Present() @Nested(() => TracingSchema) tracing?: TracingSchema;
  @Check('isMapping', (value) => (isPlainMapping(value) ? undefined : 'must be a mapping of source name to source'))
  sources!: Record<string, unknown>;
}
