import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { type Document, isMap, isScalar, parseDocument } from 'yaml';

import type { AdapterKind } from '../profiles/adapter-kind.js';
import {
  type ApiKeySchema,
  type DefaultsSchema,
  GatewayFileSchema,
  type RedisNodeSchema,
  type RedisSchema,
  ServerSchema,
  SHA256_HEX,
  SOURCE_NAME_PATTERN,
  SourceSchema,
  type SourceSettingsSchema,
} from './config.schema.js';
import type { ApiKeyConfig, GatewayConfig, RedisConfig, RedisNode, SourceConfig, SourceDefaults } from './config.types.js';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { childPath, type Env, interpolateTree, isPlainMapping } from './interpolate.js';
import { knownKeys, validateAs } from './validation.js';

export { ConfigError, type ConfigProblem } from './config-error.js';

/** Used when neither `path` nor `GATEWAY_CONFIG` names the file; relative to the working directory. */
export const DEFAULT_CONFIG_PATH = 'config/gateway.yaml';

/** Checks the kind-specific options of one source; paths are relative to the source (e.g. `clientId`). */
export type KindOptionsValidator = (kind: AdapterKind, options: Record<string, string>) => ConfigProblem[];

export interface LoadConfigOptions {
  /**
   * The adapter kinds a source may name, in the order a problem lists them: the registry's `ADAPTER_KINDS`. Passed in
   * (like `validateKindOptions`) because the configuration sits below the adapters and does not import the registry.
   */
  kinds: readonly AdapterKind[];
  /** The file to read; default `env.GATEWAY_CONFIG`, then `config/gateway.yaml`. */
  path?: string;
  /** Environment for `${NAME}`, `GATEWAY_CONFIG`, `PORT` and `HOST`; default `process.env`. */
  env?: Env;
  /** Checks each source's kind options; without it, options are collected but not checked. */
  validateKindOptions?: KindOptionsValidator;
}

/** Every key a source knows (class `SourceSchema`); anything else under a source is a kind option. */
const SOURCE_KEYS: readonly string[] = knownKeys(SourceSchema);

/**
 * Reads, interpolates and validates the configuration file (contract section 6).
 *
 * The whole file is checked before anything is returned, and every problem found is reported, each with
 * the dotted path of the offending value.
 * @throws ConfigError holding all problems when the file is missing, not YAML, or invalid
 */
export function loadConfig(options: LoadConfigOptions): GatewayConfig {
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
export function parseConfig(text: string, options: LoadConfigOptions): GatewayConfig {
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

  // parseYaml returned a mapping, and interpolation keeps the tree's shape.
  const raw = isPlainMapping(interpolated.value) ? interpolated.value : {};
  const validated = validateAs(GatewayFileSchema, raw, '');
  report(validated.problems);
  const serverOverrides = envOverrides(env, report);
  const sources = isPlainMapping(raw.sources) ? raw.sources : {};
  const sourceNames = namesInFileOrder(sources, sourceOrder);
  if (isPlainMapping(raw.sources) && sourceNames.length === 0) {
    report([{ path: 'sources', message: 'must configure at least one source' }]);
  }
  const checkedSources = sourceNames.map((name) => checkSource(name, sources[name], options.kinds, validateKindOptions, report));
  report(checkAuth(raw.auth, new Set(sourceNames)));
  report(checkRedis(raw.cache));

  if (problems.length > 0) throw new ConfigError(problems, file);
  const config = buildConfig(validated.instance, checkedSources);
  Object.assign(config.server, serverOverrides);
  return config;
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

/**
 * `PORT` and `HOST` (when set and not empty) replace `server.port` and `server.host`. They are checked by the
 * rules of `server` and reported under its paths, naming the variable; the file's own values are still checked.
 */
function envOverrides(env: Env, report: (found: ConfigProblem[]) => void): Partial<Pick<ServerSchema, 'port' | 'host'>> {
  const plain: Record<string, unknown> = {};
  const port = nonEmpty(env.PORT);
  const host = nonEmpty(env.HOST);
  if (port !== undefined) plain.port = port;
  if (host !== undefined) plain.host = host;
  const { instance, problems } = validateAs(ServerSchema, plain, 'server');
  report(problems.map((problem) => ({ ...problem, message: `${problem.message} (from the environment variable ${problem.path === 'server.port' ? 'PORT' : 'HOST'})` })));
  return { ...(port !== undefined && { port: instance.port }), ...(host !== undefined && { host: instance.host }) };
}

interface CheckedSource {
  name: string;
  /** The validated source; its values are typed only when the whole file is valid. */
  schema: SourceSchema;
  options: Record<string, string>;
}

/** Validates one source and its kind options (the keys that are not known source settings). */
function checkSource(
  name: string,
  entry: unknown,
  kinds: readonly AdapterKind[],
  validateKindOptions: KindOptionsValidator,
  report: (found: ConfigProblem[]) => void,
): CheckedSource {
  const path = childPath('sources', name);
  if (!SOURCE_NAME_PATTERN.test(name)) {
    report([{ path, message: 'source name must be 1 to 63 lower-case letters, digits or dashes, starting with a letter or digit' }]);
  }
  if (!isPlainMapping(entry)) {
    report([{ path, message: 'must be a mapping (kind, baseUrl, token, ...)' }]);
    return { name, schema: new SourceSchema(), options: {} };
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
  const { instance, problems: schemaProblems } = validateAs(SourceSchema, known, path);
  problems.push(...withKindProblem(schemaProblems, path, known.kind, kinds));
  if (known.name !== undefined && known.name !== name) {
    problems.push({ path: childPath(path, 'name'), message: `must equal the source's key "${name}" or be left out` });
  }
  if (typeof known.kind === 'string' && kinds.includes(known.kind)) {
    for (const problem of validateKindOptions(known.kind, options)) {
      problems.push({ path: problem.path === '' ? path : childPath(path, problem.path), message: problem.message });
    }
  }
  report(problems);
  return { name, schema: instance, options };
}

/**
 * The schema's problems of one source plus, for a `kind` that is present but not one of `kinds`, `must be one of …`
 * in the place of the `kind` key (the schema checks only that a kind is given: the list is the registry's).
 */
function withKindProblem(schemaProblems: ConfigProblem[], path: string, kind: unknown, kinds: readonly AdapterKind[]): ConfigProblem[] {
  if (kind === undefined || (typeof kind === 'string' && kinds.includes(kind))) return schemaProblems;
  const problem = { path: childPath(path, 'kind'), message: `must be one of ${kinds.join(', ')}` };
  const after = SOURCE_KEYS.slice(SOURCE_KEYS.indexOf('kind') + 1).map((key) => childPath(path, key));
  const at = schemaProblems.findIndex((found) => after.some((later) => found.path === later || found.path.startsWith(`${later}.`)));
  return at === -1 ? [...schemaProblems, problem] : [...schemaProblems.slice(0, at), problem, ...schemaProblems.slice(at)];
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
  if (typeof entry.key === 'string' && entry.key !== '' && entry.keySha256 === undefined) return sha256Hex(entry.key);
  if (typeof entry.keySha256 === 'string' && SHA256_HEX.test(entry.keySha256) && entry.key === undefined) {
    return entry.keySha256.toLowerCase();
  }
  return undefined;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function checkRedis(cache: unknown): ConfigProblem[] {
  if (!isPlainMapping(cache) || !isPlainMapping(cache.redis)) return [];
  const redis = cache.redis;
  const modes = [redis.url, redis.cluster, redis.sentinel].filter((mode) => mode !== undefined).length;
  return modes === 1 ? [] : [{ path: 'cache.redis', message: 'needs exactly one of url, cluster or sentinel' }];
}

// ---- the typed view of a valid file: durations in ms, sizes in bytes, sources merged with `defaults` ----

/** A source's settings: its own where set, else `defaults` (which holds the built-in defaults). */
function settingsOf(own: SourceSettingsSchema, base: DefaultsSchema): SourceDefaults {
  const settings: SourceDefaults = {
    timeoutMs: own.timeout ?? base.timeout,
    retries: own.retries ?? base.retries,
    connectTimeoutMs: own.connectTimeout ?? base.connectTimeout,
    maxResponseBytes: own.maxResponseSize ?? base.maxResponseSize,
    maxConcurrency: own.maxConcurrency ?? base.maxConcurrency,
    maxQueue: own.maxQueue ?? base.maxQueue,
    circuitBreaker: {
      failureThreshold: own.circuitBreaker?.failureThreshold ?? base.circuitBreaker.failureThreshold,
      halfOpenAfterMs: own.circuitBreaker?.halfOpenAfter ?? base.circuitBreaker.halfOpenAfter,
    },
    cache: {
      ttlMs: own.cache?.ttl ?? base.cache.ttl,
      staleWhileRevalidateMs: own.cache?.staleWhileRevalidate ?? base.cache.staleWhileRevalidate,
      staleIfErrorMs: own.cache?.staleIfError ?? base.cache.staleIfError,
      notFoundTtlMs: own.cache?.notFoundTtl ?? base.cache.notFoundTtl,
    },
  };
  const headersTimeoutMs = own.headersTimeout ?? base.headersTimeout;
  const bodyTimeoutMs = own.bodyTimeout ?? base.bodyTimeout;
  if (headersTimeoutMs !== undefined) settings.headersTimeoutMs = headersTimeoutMs;
  if (bodyTimeoutMs !== undefined) settings.bodyTimeoutMs = bodyTimeoutMs;
  return settings;
}

function redisNodes(nodes: readonly RedisNodeSchema[]): RedisNode[] {
  return nodes.map(({ host, port }) => ({ host, port }));
}

/** Validation guarantees exactly one of url, cluster and sentinel (`checkRedis`). */
function redisConfig(redis: RedisSchema): RedisConfig {
  const common = { keyPrefix: redis.keyPrefix, commandTimeoutMs: redis.commandTimeout };
  if (redis.cluster) return { ...common, cluster: { nodes: redisNodes(redis.cluster.nodes) } };
  if (redis.sentinel) return { ...common, sentinel: { name: redis.sentinel.name, nodes: redisNodes(redis.sentinel.nodes) } };
  if (redis.url === undefined) throw new Error('cache.redis has no url, cluster or sentinel after validation');
  return { ...common, url: redis.url };
}

function apiKeyConfig(entry: ApiKeySchema): ApiKeyConfig {
  // Validation guarantees exactly one of `key` and `keySha256` (already in lower case).
  const keySha256 = entry.key === undefined ? entry.keySha256 : sha256Hex(entry.key);
  if (keySha256 === undefined) throw new Error(`API key ${entry.name} has neither key nor keySha256 after validation`);
  const apiKey: ApiKeyConfig = { name: entry.name, keySha256, sources: [...entry.sources], actions: [...entry.actions] };
  if (entry.rateLimit) apiKey.rateLimit = { limit: entry.rateLimit.limit, windowMs: entry.rateLimit.window };
  return apiKey;
}

function buildConfig(file: GatewayFileSchema, checkedSources: readonly CheckedSource[]): GatewayConfig {
  const sources: SourceConfig[] = checkedSources.map(({ name, schema, options }) => ({
    ...settingsOf(schema, file.defaults),
    name,
    kind: schema.kind,
    baseUrl: schema.baseUrl,
    token: schema.token,
    options,
  }));
  const { memory } = file.cache;
  const config: GatewayConfig = {
    server: { port: file.server.port, host: file.server.host, shutdownTimeoutMs: file.server.shutdownTimeout },
    log: { level: file.log.level },
    auth: { disabled: file.auth.disabled, apiKeys: file.auth.apiKeys.map(apiKeyConfig) },
    cache: { memory: { maxItems: memory.maxItems, ttlMs: memory.ttl, maxBytes: memory.maxBytes } },
    defaults: settingsOf(file.defaults, file.defaults),
    batch: { maxLookups: file.batch.maxLookups },
    sources,
  };
  if (file.cache.redis) config.cache.redis = redisConfig(file.cache.redis);
  if (file.tracing) {
    const { otlpEndpoint, serviceName, sampleRatio } = file.tracing;
    config.tracing = { otlpEndpoint, serviceName, sampleRatio };
  }
  return config;
}
