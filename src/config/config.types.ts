import type { AdapterKind } from '../profiles/adapter-kind.js';
import type { ApiKeyAction, LogLevel } from './config.schema.js';

export type { ApiKeyAction, LogLevel } from './config.schema.js';

/*
 * The typed configuration the rest of the gateway reads: what `loadConfig` returns, built from the validated
 * instances of `config.schema.ts` (which also hold every default), with durations in milliseconds and sizes
 * in bytes.
 */

/** Cache timing of one source, all in milliseconds (contract sections 5 and 6). */
export interface CachePolicy {
  ttlMs: number;
  staleWhileRevalidateMs: number;
  staleIfErrorMs: number;
  notFoundTtlMs: number;
}

export interface CircuitBreakerSettings {
  /** Consecutive failed lookups that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before one trial call (half-open). */
  halfOpenAfterMs: number;
}

/** Settings every source inherits from `defaults` and may override. */
export interface SourceDefaults {
  /** Total budget of one upstream lookup, retries included. */
  timeoutMs: number;
  retries: number;
  /** Per-attempt connect bound (inside the total budget). */
  connectTimeoutMs: number;
  /** Per-attempt bound from request sent to response headers; unset = only the total budget. */
  headersTimeoutMs?: number;
  /** Per-attempt bound from response headers to the end of the body; unset = only the total budget. */
  bodyTimeoutMs?: number;
  /** Largest upstream body accepted, in bytes. */
  maxResponseBytes: number;
  /** Most upstream calls in flight at once for this source (bulkhead). */
  maxConcurrency: number;
  /** Calls waiting for a bulkhead slot before `UPSTREAM_UNAVAILABLE`. */
  maxQueue: number;
  circuitBreaker: CircuitBreakerSettings;
  cache: CachePolicy;
}

/** One configured source, with defaults applied. */
export interface SourceConfig extends SourceDefaults {
  /** The `:source` of the URL: `[a-z0-9][a-z0-9-]{0,62}`. */
  name: string;
  kind: AdapterKind;
  /** http(s) URL without a trailing slash. */
  baseUrl: string;
  /** Upstream credential. Never logged or returned. */
  token: string;
  /** Kind-specific options (e.g. `clientId` for `scalepad-amm`), validated by the kind at load time. */
  options: Record<string, string>;
}

export interface ApiKeyConfig {
  name: string;
  /** Hex SHA-256 of the key (plain `key` entries are hashed at load time). */
  keySha256: string;
  /** Source names this key may read; `*` = all. */
  sources: string[];
  rateLimit?: { limit: number; windowMs: number };
  /** What the key may do (contract v2): `read` profiles, `purge` cached entries. Default `["read"]`. */
  actions: ApiKeyAction[];
}

export interface RedisNode {
  host: string;
  port: number;
}

interface RedisCommon {
  keyPrefix: string;
  /** Bound of every Redis command. */
  commandTimeoutMs: number;
}

/** Exactly one way to reach Redis (validated once, in the config): a redis:// or rediss:// URL, a Cluster or a Sentinel set. */
export type RedisConfig = RedisCommon &
  (
    | { url: string; cluster?: undefined; sentinel?: undefined }
    | { cluster: { nodes: RedisNode[] }; url?: undefined; sentinel?: undefined }
    | { sentinel: { name: string; nodes: RedisNode[] }; url?: undefined; cluster?: undefined }
  );

export interface TracingConfig {
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  otlpEndpoint: string;
  /** `service.name` of the exported spans; default `profile-gateway`. */
  serviceName: string;
  /** Share of root traces sampled, 0 to 1 (default 1); parent-based: a sampled caller is always traced. */
  sampleRatio: number;
}

export interface GatewayConfig {
  server: { port: number; host: string; shutdownTimeoutMs: number };
  log: { level: LogLevel };
  auth: { disabled: boolean; apiKeys: ApiKeyConfig[] };
  cache: {
    redis?: RedisConfig;
    /** `ttlMs` is capped per source at the source's `cache.ttl` by the cache. `maxBytes`: budget of the tier. */
    memory: { maxItems: number; ttlMs: number; maxBytes: number };
  };
  defaults: SourceDefaults;
  /** `POST /profiles/batch` (contract v2): most lookups in one request, 1 to 1000, default 100. */
  batch: { maxLookups: number };
  /** OTLP trace export (contract v2); undefined when the file has no `tracing` section. */
  tracing?: TracingConfig;
  /** In file order. Names are unique. */
  sources: SourceConfig[];
}
