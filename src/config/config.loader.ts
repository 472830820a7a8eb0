import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';
import { type Document, isMap, isScalar, parseDocument } from 'yaml';

import type { AdapterKind } from '../profiles/adapter-kind.js';
import { isAdapterKind } from '../sources/source-registry.js';
import { parseByteSize } from './byte-size.js';
import {
  GatewayFileSchema,
  integerProblem,
  type LOG_LEVELS,
  normalizeBaseUrl,
  SOURCE_KEYS,
  SOURCE_NAME_PATTERN,
  SourceSchema,
  textProblem,
} from './config.schema.js';
import type { ApiKeyConfig, CachePolicy, GatewayConfig, RedisConfig, RedisNode, SourceConfig, SourceDefaults } from './config.types.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { parseDuration } from './duration.js';
import { childPath, type Env, interpolateTree, isPlainMapping } from './interpolate.js';

export { ConfigError, type ConfigProblem } from './config-error.js';

/** Used when neither `path` nor `GATEWAY_CONFIG` names the file; relative to the working directory. */
export const DEFAULT_CONFIG_PATH = 'config/gateway.yaml';

/** Checks the kind-specific options of one source; paths are relative to the source (e.g. `clientId`). */
export type KindOptionsValidator = (kind: AdapterKind, options: Record<string, string>) => ConfigProblem[];

export interface LoadConfigOptions {
  /** The file to read; default `env.GATEWAY_CONFIG`, then `config/gateway.yaml`. */
  path?: string;
  /** Environment for `${NAME}`, `GATEWAY_CONFIG`, `PORT` and `HOST`; default `process.env`. */
  env?: Env;
  /** Checks each source's kind options; without it, options are collected but not checked. */
  validateKindOptions?: KindOptionsValidator;
}

/** Settings a source gets when neither `defaults` nor the source sets them. */
export const BUILT_IN_DEFAULTS: SourceDefaults = {
  timeoutMs: 2_000,
  retries: 2,
  connectTimeoutMs: 1_000,
  maxResponseBytes: 1024 * 1024,
  maxConcurrency: 16,
  maxQueue: 100,
  circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 30_000 },
  cache: { ttlMs: 5 * 60_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 24 * 3_600_000, notFoundTtlMs: 60_000 },
};

const SERVER_DEFAULTS = { port: 3000, host: '0.0.0.0', shutdownTimeoutMs: 10_000 };
const REDIS_DEFAULTS = { keyPrefix: 'pgw', commandTimeoutMs: 500 };
const MEMORY_DEFAULTS = { maxItems: 10_000, ttlMs: 30_000 };

/**
 * Reads, interpolates and validates the configuration file (contract section 6).
 *
 * The whole file is checked before anything is returned, and every problem found is reported, each with
 * the dotted path of the offending value.
 * @throws ConfigError holding all problems when the file is missing, not YAML, or invalid
 */
export function loadConfig(options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.path ?? nonEmpty(env.GATEWAY_CONFIG) ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `file not found (looked for ${resolve(file)}; set GATEWAY_CONFIG to the configuration file)`
        : `cannot read the file (${code ?? String(error)})`;
    throw new ConfigError([{ path: file, message }], file);
  }
  return parseConfig(text, { ...options, env, path: file });
}

/** Like `loadConfig`, from the file's text; `path` only names the file in problems. */
export function parseConfig(text: string, options: LoadConfigOptions = {}): GatewayConfig {
  const env = options.env ?? process.env;
  const file = options.path ?? DEFAULT_CONFIG_PATH;
  const validateKindOptions = options.validateKindOptions ?? (() => []);

  const { value: parsed, sourceOrder } = parseYaml(text, file);
  const interpolated = interpolateTree(parsed, env);
  // A value with an unset variable is reported once, not again as "must not be empty".
  const interpolationPaths = new Set(interpolated.problems.map((p) => p.path));
  const problems: ConfigProblem[] = [...interpolated.problems];
  const report = (found: ConfigProblem[]): void => {
    for (const problem of found) if (!interpolationPaths.has(problem.path)) problems.push(problem);
  };

  const raw = applyEnvOverrides(interpolated.value as Record<string, unknown>, env, report);
  report(validateAgainst(GatewayFileSchema, raw, ''));
  const sources = isPlainMapping(raw.sources) ? raw.sources : {};
  const sourceNames = namesInFileOrder(sources, sourceOrder);
  if (isPlainMapping(raw.sources) && sourceNames.length === 0) {
    report([{ path: 'sources', message: 'must configure at least one source' }]);
  }
  const sourceOptions = new Map<string, Record<string, string>>();
  for (const name of sourceNames) {
    sourceOptions.set(name, checkSource(name, sources[name], validateKindOptions, report));
  }
  report(checkAuth(raw.auth, new Set(sourceNames)));
  report(checkRedis(raw.cache));

  if (problems.length > 0) throw new ConfigError(problems, file);
  return buildConfig(raw, sourceNames, sourceOptions);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/**
 * Source names in file order. JavaScript objects list integer-like keys (a source named `123`) first,
 * so the order is taken from the YAML document.
 */
function namesInFileOrder(sources: Record<string, unknown>, order: readonly string[]): string[] {
  const fromFile = order.filter((name) => Object.hasOwn(sources, name));
  return [...new Set([...fromFile, ...Object.keys(sources)])];
}

function sourceKeysOf(document: Document): string[] {
  const sources = document.get('sources', true);
  if (!isMap(sources)) return [];
  return sources.items.map((item) => String(isScalar(item.key) ? item.key.value : item.key));
}

/** Parses YAML 1.2 (with `<<` merge keys); a syntax error is one problem carrying its line and column. */
function parseYaml(text: string, file: string): { value: Record<string, unknown>; sourceOrder: string[] } {
  const fail = (path: string, message: string): never => {
    throw new ConfigError([{ path, message }], file);
  };
  const document = parseDocument(text, { merge: true, prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error) {
    const at = error.linePos?.[0];
    const firstLine = (error.message.split('\n')[0] ?? error.message).replace(/:$/, '');
    fail(at ? `${file}:${at.line}:${at.col}` : file, `invalid YAML: ${firstLine}`);
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (cause) {
    fail(file, `invalid YAML: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (value === null || value === undefined) fail(file, 'the file is empty');
  if (!isPlainMapping(value)) fail(file, 'must be a YAML mapping (server, auth, cache, defaults, sources, ...)');
  return { value: value as Record<string, unknown>, sourceOrder: sourceKeysOf(document) };
}

/** `PORT` and `HOST` (when set and not empty) replace `server.port` and `server.host`. */
function applyEnvOverrides(raw: Record<string, unknown>, env: Env, report: (found: ConfigProblem[]) => void): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  const port = nonEmpty(env.PORT);
  if (port !== undefined) {
    const problem = integerProblem(port, 0, 65_535);
    if (problem) report([{ path: 'PORT', message: `${problem} (it overrides server.port)` }]);
    else overrides.port = port;
  }
  const host = nonEmpty(env.HOST);
  if (host !== undefined) {
    const problem = textProblem(host, true);
    if (problem) report([{ path: 'HOST', message: `${problem} (it overrides server.host)` }]);
    else overrides.host = host;
  }
  if (Object.keys(overrides).length === 0) return raw;
  if (raw.server === undefined) return { ...raw, server: overrides };
  if (isPlainMapping(raw.server)) return { ...raw, server: { ...raw.server, ...overrides } };
  return raw;
}

/** Runs class-validator on `value` as an instance of `schema`; unknown keys are problems. */
function validateAgainst(schema: new () => object, value: Record<string, unknown>, path: string): ConfigProblem[] {
  const instance = plainToInstance(schema, value);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: false });
  const problems: ConfigProblem[] = [];
  flattenErrors(errors, path, false, problems);
  return problems;
}

/** One problem per invalid value, with its dotted path (`[i]` for list items). */
function flattenErrors(errors: ValidationError[], parent: string, parentIsList: boolean, out: ConfigProblem[]): void {
  for (const error of errors) {
    const path = parentIsList && /^\d+$/.test(error.property) ? childPath(parent, Number(error.property)) : childPath(parent, error.property);
    const constraints = Object.entries(error.constraints ?? {});
    const own = constraints.find(([name]) => name !== 'nestedValidation');
    if (own?.[0] === 'whitelistValidation') {
      out.push({ path, message: unknownKeyMessage(error.target) });
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

function unknownKeyMessage(target: object | undefined): string {
  if (!target) return 'unknown key';
  const known = getMetadataStorage()
    .getTargetValidationMetadatas(target.constructor, '', true, false)
    .map((metadata) => metadata.propertyName);
  return `unknown key (expected one of ${[...new Set(known)].join(', ')})`;
}

/** Validates one source; returns its kind options (the keys that are not known source settings). */
function checkSource(
  name: string,
  entry: unknown,
  validateKindOptions: KindOptionsValidator,
  report: (found: ConfigProblem[]) => void,
): Record<string, string> {
  const path = childPath('sources', name);
  if (!SOURCE_NAME_PATTERN.test(name)) {
    report([{ path, message: 'source name must be 1 to 63 lower-case letters, digits or dashes, starting with a letter or digit' }]);
  }
  if (!isPlainMapping(entry)) {
    report([{ path, message: 'must be a mapping (kind, baseUrl, token, ...)' }]);
    return {};
  }
  const known: Record<string, unknown> = {};
  const options: Record<string, string> = {};
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (SOURCE_KEYS.includes(key)) {
      known[key] = value;
      continue;
    }
    const at = childPath(path, key);
    const lookalike = lookalikeOf(key);
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(key)) problems.push({ path: at, message: 'is not a valid option name' });
    else if (lookalike) problems.push({ path: at, message: `unknown key (did you mean ${lookalike}?)` });
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') options[key] = String(value);
    else problems.push({ path: at, message: 'must be a string (unknown keys of a source are options of its kind)' });
  }
  problems.push(...validateAgainst(SourceSchema, known, path));
  if (known.name !== undefined && known.name !== name) {
    problems.push({ path: childPath(path, 'name'), message: `must equal the source's key "${name}" or be left out` });
  }
  if (isAdapterKind(known.kind)) {
    for (const problem of validateKindOptions(known.kind, options)) {
      problems.push({ path: problem.path === '' ? path : childPath(path, problem.path), message: problem.message });
    }
  }
  report(problems);
  return options;
}

/**
 * The source setting a key is most likely a typo of (`tiemout`, `Timeout`, `retry`), if any. Such keys would
 * otherwise pass silently as kind options, and the source would run with the default.
 */
function lookalikeOf(key: string): string | undefined {
  const lower = key.toLowerCase();
  return SOURCE_KEYS.find((known) => {
    const distance = editDistance(lower, known.toLowerCase());
    return distance <= (known.length <= 5 ? 1 : 2);
  });
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Checks that span several fields of `auth`: required keys, one secret per key, unique names, known sources. */
function checkAuth(auth: unknown, sourceNames: ReadonlySet<string>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const disabled = isPlainMapping(auth) && (auth.disabled === true || auth.disabled === 'true');
  const apiKeys = isPlainMapping(auth) ? auth.apiKeys : undefined;
  if (auth !== undefined && !isPlainMapping(auth)) return problems;
  if (!disabled && (apiKeys === undefined || (Array.isArray(apiKeys) && apiKeys.length === 0))) {
    problems.push({ path: 'auth.apiKeys', message: 'must list at least one key unless auth.disabled is true' });
  }
  if (!Array.isArray(apiKeys)) return problems;

  const names = new Map<string, string>();
  const digests = new Map<string, string>();
  apiKeys.forEach((entry: unknown, index) => {
    const path = childPath('auth.apiKeys', index);
    if (!isPlainMapping(entry)) return;
    if ((entry.key === undefined) === (entry.keySha256 === undefined)) {
      problems.push({ path, message: 'needs exactly one of key or keySha256' });
    }
    if (typeof entry.name === 'string') {
      const first = names.get(entry.name);
      if (first) problems.push({ path: childPath(path, 'name'), message: `duplicate name "${entry.name}" (also ${first})` });
      else names.set(entry.name, childPath(path, 'name'));
    }
    const digest = digestOf(entry);
    if (digest) {
      const first = digests.get(digest);
      if (first) problems.push({ path, message: `same key as ${first}` });
      else digests.set(digest, path);
    }
    if (Array.isArray(entry.sources)) {
      entry.sources.forEach((source: unknown, i) => {
        if (typeof source === 'string' && source !== '*' && source !== '' && !sourceNames.has(source)) {
          problems.push({ path: childPath(childPath(path, 'sources'), i), message: `unknown source "${source}" (expected "*" or a name under sources)` });
        }
      });
    }
  });
  return problems;
}

/** Hex SHA-256 of an API key entry's secret, when it has exactly one well-formed secret. */
function digestOf(entry: Record<string, unknown>): string | undefined {
  if (typeof entry.key === 'string' && entry.key !== '' && entry.keySha256 === undefined) {
    return createHash('sha256').update(entry.key, 'utf8').digest('hex');
  }
  if (typeof entry.keySha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(entry.keySha256) && entry.key === undefined) {
    return entry.keySha256.toLowerCase();
  }
  return undefined;
}

function checkRedis(cache: unknown): ConfigProblem[] {
  if (!isPlainMapping(cache) || !isPlainMapping(cache.redis)) return [];
  const redis = cache.redis;
  const modes = [redis.url, redis.cluster, redis.sentinel].filter((mode) => mode !== undefined).length;
  return modes === 1 ? [] : [{ path: 'cache.redis', message: 'needs exactly one of url, cluster or sentinel' }];
}

// ---- conversion of a validated file into GatewayConfig (every value below has passed validation) ----

type Raw = Record<string, unknown>;

function mapping(value: unknown): Raw {
  return isPlainMapping(value) ? value : {};
}

function int(value: unknown, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}

function ms(value: unknown, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value);
}

function resolveSettings(base: SourceDefaults, raw: Raw): SourceDefaults {
  const breaker = mapping(raw.circuitBreaker);
  const cache = mapping(raw.cache);
  const policy: CachePolicy = {
    ttlMs: ms(cache.ttl, base.cache.ttlMs),
    staleWhileRevalidateMs: ms(cache.staleWhileRevalidate, base.cache.staleWhileRevalidateMs),
    staleIfErrorMs: ms(cache.staleIfError, base.cache.staleIfErrorMs),
    notFoundTtlMs: ms(cache.notFoundTtl, base.cache.notFoundTtlMs),
  };
  return {
    timeoutMs: ms(raw.timeout, base.timeoutMs),
    retries: int(raw.retries, base.retries),
    connectTimeoutMs: ms(raw.connectTimeout, base.connectTimeoutMs),
    headersTimeoutMs: raw.headersTimeout === undefined ? base.headersTimeoutMs : parseDuration(raw.headersTimeout),
    bodyTimeoutMs: raw.bodyTimeout === undefined ? base.bodyTimeoutMs : parseDuration(raw.bodyTimeout),
    maxResponseBytes: raw.maxResponseSize === undefined ? base.maxResponseBytes : parseByteSize(raw.maxResponseSize),
    maxConcurrency: int(raw.maxConcurrency, base.maxConcurrency),
    maxQueue: int(raw.maxQueue, base.maxQueue),
    circuitBreaker: {
      failureThreshold: int(breaker.failureThreshold, base.circuitBreaker.failureThreshold),
      halfOpenAfterMs: ms(breaker.halfOpenAfter, base.circuitBreaker.halfOpenAfterMs),
    },
    cache: policy,
  };
}

function redisNodes(value: unknown): RedisNode[] {
  return (value as Raw[]).map((node) => ({ host: node.host as string, port: Number(node.port) }));
}

function buildRedis(raw: Raw): RedisConfig {
  const redis: RedisConfig = {
    keyPrefix: (raw.keyPrefix as string | undefined) ?? REDIS_DEFAULTS.keyPrefix,
    commandTimeoutMs: ms(raw.commandTimeout, REDIS_DEFAULTS.commandTimeoutMs),
  };
  if (raw.url !== undefined) redis.url = raw.url as string;
  const cluster = raw.cluster === undefined ? undefined : mapping(raw.cluster);
  if (cluster) redis.cluster = { nodes: redisNodes(cluster.nodes) };
  const sentinel = raw.sentinel === undefined ? undefined : mapping(raw.sentinel);
  if (sentinel) redis.sentinel = { name: sentinel.name as string, nodes: redisNodes(sentinel.nodes) };
  return redis;
}

function buildApiKey(raw: Raw): ApiKeyConfig {
  const apiKey: ApiKeyConfig = { name: raw.name as string, keySha256: digestOf(raw) as string, sources: [...(raw.sources as string[])] };
  if (raw.rateLimit !== undefined) {
    const rateLimit = mapping(raw.rateLimit);
    apiKey.rateLimit = { limit: Number(rateLimit.limit), windowMs: parseDuration(rateLimit.window) };
  }
  return apiKey;
}

function buildConfig(raw: Raw, sourceNames: readonly string[], sourceOptions: ReadonlyMap<string, Record<string, string>>): GatewayConfig {
  const server = mapping(raw.server);
  const auth = mapping(raw.auth);
  const cache = mapping(raw.cache);
  const memory = mapping(cache.memory);
  const memoryTtlMs = ms(memory.ttl, MEMORY_DEFAULTS.ttlMs);
  const defaults = resolveSettings(BUILT_IN_DEFAULTS, mapping(raw.defaults));

  const sourceMap = mapping(raw.sources);
  const sources: SourceConfig[] = sourceNames.map((name) => {
    const entry = mapping(sourceMap[name]);
    const settings = resolveSettings(defaults, entry);
    const baseUrl = normalizeBaseUrl(entry.baseUrl);
    return {
      ...settings,
      name,
      kind: entry.kind as AdapterKind,
      baseUrl: baseUrl.ok ? baseUrl.url : '',
      token: entry.token as string,
      options: sourceOptions.get(name) ?? {},
      // The memory tier is a cap, never an extension, of the source's freshness.
      memoryTtlMs: Math.min(memoryTtlMs, settings.cache.ttlMs),
    };
  });

  const config: GatewayConfig = {
    server: {
      port: int(server.port, SERVER_DEFAULTS.port),
      host: (server.host as string | undefined) ?? SERVER_DEFAULTS.host,
      shutdownTimeoutMs: ms(server.shutdownTimeout, SERVER_DEFAULTS.shutdownTimeoutMs),
    },
    log: { level: (mapping(raw.log).level as (typeof LOG_LEVELS)[number] | undefined) ?? 'info' },
    auth: {
      disabled: auth.disabled === true || auth.disabled === 'true',
      apiKeys: Array.isArray(auth.apiKeys) ? (auth.apiKeys as Raw[]).map(buildApiKey) : [],
    },
    cache: { memory: { maxItems: int(memory.maxItems, MEMORY_DEFAULTS.maxItems), ttlMs: memoryTtlMs } },
    defaults,
    sources,
  };
  if (cache.redis !== undefined) config.cache.redis = buildRedis(mapping(cache.redis));
  return config;
}
