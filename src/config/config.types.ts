import type { AdapterKind } from '../profiles/adapter-kind.js';

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
  /** Kind-specific options (e.g. `clientId` for `scalepad-amm`). */
  options: Record<string, string>;
  /**
   * How long this source's profiles stay in the in-process cache: `cache.memory.ttl` capped at this
   * source's `cache.ttl`, so the memory tier never serves a profile longer than the source allows.
   */
  memoryTtlMs: number;
}

export interface ApiKeyConfig {
  name: string;
  /** Hex SHA-256 of the key (plain `key` entries are hashed at load time). */
  keySha256: string;
  /** Source names this key may read; `*` = all. */
  sources: string[];
  rateLimit?: { limit: number; windowMs: number };
}

export interface RedisNode {
  host: string;
  port: number;
}

export interface RedisConfig {
  url?: string;
  cluster?: { nodes: RedisNode[] };
  sentinel?: { name: string; nodes: RedisNode[] };
  keyPrefix: string;
  /** Bound of every Redis command. */
  commandTimeoutMs: number;
}

/** `tracing` (contract section 9): absent, nothing is traced and no SDK is started. */
export interface TracingConfig {
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  otlpEndpoint: string;
  serviceName: string;
  /** Share of root traces sampled (0 to 1); a caller's sampling decision is always followed. */
  sampleRatio: number;
}

export interface GatewayConfig {
  server: { port: number; host: string; shutdownTimeoutMs: number };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  auth: { disabled: boolean; apiKeys: ApiKeyConfig[] };
  cache: {
    redis?: RedisConfig;
    memory: { maxItems: number; ttlMs: number };
  };
  defaults: SourceDefaults;
  tracing?: TracingConfig;
  /** In file order. Names are unique. */
  sources: SourceConfig[];
}
