import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import { cacheLabelOf, isCollapsed } from '../cache/cache-outcome.js';
import type { CacheObserver, CacheOutcome, RedisOperation } from '../cache/index.js';
import type { UpstreamObserver } from '../sources/shared/upstream-http.contract.js';

/** Label value for a `:source` that is not configured (source names cannot contain `_`). */
export const UNKNOWN_SOURCE = '_unknown';
/** Label value when no API key was identified (auth disabled, or the request was rejected before). */
export const NO_KEY = '_none';

export type CircuitState = 'closed' | 'open' | 'half-open';
export type AuthRejection = 'missing' | 'invalid' | 'forbidden';

/** Gauge value of a circuit state. */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** Latency buckets in seconds: loopback cache hits to a slow upstream at its time budget. */
const SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `outcome` label of a profile answer: `ok`, `not_modified`, or the problem code (`http_<status>` without one). */
export function outcomeLabelOf(status: number, problemCode: string | undefined): string {
  if (status === 200) return 'ok';
  if (status === 304) return 'not_modified';
  return problemCode !== undefined && /^[A-Z_]{1,40}$/.test(problemCode) ? problemCode : `http_${status}`;
}

export interface ProfileRequestSample {
  /** The `:source` of the URL, as received (an unknown name is counted as `_unknown`). */
  source: string | undefined;
  keyName: string | undefined;
  status: number;
  problemCode: string | undefined;
  /** What the cache did, for an answer with caching headers; absent otherwise (`cache="none"`). */
  cacheOutcome: CacheOutcome | undefined;
  durationMs: number;
}

export interface GatewayMetricsOptions {
  /** Configured source names: the only values the `source` label takes besides `_unknown`. */
  sourceNames: readonly string[];
  /** Process metrics (`process_*`, `nodejs_*`); default true. */
  defaultMetrics?: boolean;
}

/**
 * Keeps the labelled child of a metric for one label combination (`id`), so the next request finds it with one `get`:
 * prom-client hashes and checks the labels on every `labels()` call, a hot-path cost. Used as
 * `children.get(id) ?? remember(children, id, metric.labels(…))`, which builds no closure or label object on a hit.
 */
function remember<C>(children: Map<string, C>, id: string, child: C): C {
  children.set(id, child);
  return child;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (never prom-client's global one, so several gateways can
 * run in one process, e.g. in tests). Labels hold only configured names and bounded values: never ids, keys or tokens.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly sources: ReadonlySet<string>;
  private readonly profileRequests: Counter<'source' | 'key' | 'outcome' | 'cache'>;
  private readonly profileDuration: Histogram<'source' | 'cache'>;
  /** Bounded: configured sources and keys, problem codes, cache outcomes. */
  private readonly profileRequestChildren = new Map<string, ReturnType<Counter<'source' | 'key' | 'outcome' | 'cache'>['labels']>>();
  private readonly profileDurationChildren = new Map<string, ReturnType<Histogram<'source' | 'cache'>['labels']>>();
  private readonly cacheOutcomeChildren = new Map<string, ReturnType<Counter<'source' | 'outcome'>['labels']>>();
  private readonly upstreamDuration: Histogram<'source' | 'status'>;
  private readonly cacheOutcomes: Counter<'source' | 'outcome'>;
  private readonly coalesced: Counter<'source'>;
  private readonly redisErrors: Counter<'operation'>;
  private readonly rateLimited: Counter<'key'>;
  private readonly batchRequests: Counter<'key' | 'outcome'>;
  private readonly batchLookups: Histogram;
  private readonly authRejections: Counter<'reason'>;
  private readonly tracingSpansDropped: Counter<'reason'>;
  private readonly purges: Counter<'source' | 'scope'>;
  private readonly circuitStates = new Map<string, CircuitState>();
  private circuitReader: (() => Iterable<[string, CircuitState]>) | undefined;

  constructor(options: GatewayMetricsOptions) {
    this.sources = new Set(options.sourceNames);
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });

    this.profileRequests = new Counter({
      name: 'gateway_profile_requests_total',
      help: 'Answers of GET /profiles/:source/:id by source, API key name, outcome (ok, not_modified or the problem code) and cache result',
      labelNames: ['source', 'key', 'outcome', 'cache'],
      registers,
    });
    this.profileDuration = new Histogram({
      name: 'gateway_profile_request_duration_seconds',
      help: 'Time to answer GET /profiles/:source/:id, by source and cache result',
      labelNames: ['source', 'cache'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.upstreamDuration = new Histogram({
      name: 'gateway_upstream_request_duration_seconds',
      help: 'Duration of one upstream HTTP attempt by source and HTTP status (0 = timeout or network failure)',
      labelNames: ['source', 'status'],
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.cacheOutcomes = new Counter({
      name: 'gateway_cache_outcomes_total',
      help: 'What the profile cache did per lookup: hit, negative-hit, miss, refresh, stale-while-revalidate, max-stale, stale-hit, stale-if-error, not-cached',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.coalesced = new Counter({
      name: 'gateway_cache_coalesced_requests_total',
      help: 'Lookups that waited on an upstream call another request had started, instead of making their own',
      labelNames: ['source'],
      registers,
    });
    const circuit: Gauge<'source'> = new Gauge({
      name: 'gateway_upstream_circuit_state',
      help: 'Circuit breaker state per source: 0 closed, 1 half-open, 2 open',
      labelNames: ['source'],
      registers,
      collect: () => {
        for (const [source, state] of this.currentCircuitStates()) circuit.set({ source }, CIRCUIT_STATE_VALUE[state]);
      },
    });
    this.redisErrors = new Counter({
      name: 'gateway_redis_errors_total',
      help: 'Redis commands that failed, timed out or were skipped while Redis was down, by operation (get, set, publish, subscribe, lease, ratelimit)',
      labelNames: ['operation'],
      registers,
    });
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_requests_total',
      help: 'Requests refused with 429 RATE_LIMITED, by API key name',
      labelNames: ['key'],
      registers,
    });
    this.batchRequests = new Counter({
      name: 'gateway_batch_requests_total',
      help: 'POST /profiles/batch requests by API key name and outcome (ok, or the problem code of the whole batch)',
      labelNames: ['key', 'outcome'],
      registers,
    });
    this.batchLookups = new Histogram({
      name: 'gateway_batch_lookups',
      help: 'Lookups per accepted POST /profiles/batch request',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    });
    this.purges = new Counter({
      name: 'gateway_cache_purges_total',
      help: 'Cache purges by source and scope (entry: one profile or cached 404; source: every entry of the source)',
      labelNames: ['source', 'scope'],
      registers,
    });
    this.authRejections = new Counter({
      name: 'gateway_auth_rejections_total',
      help: 'Requests refused by caller authentication: missing or invalid key (401), source not allowed for the key (403)',
      labelNames: ['reason'],
      registers,
    });
    this.tracingSpansDropped = new Counter({
      name: 'gateway_tracing_spans_dropped_total',
      help: 'Finished spans never exported: the bounded export queue was full (queue_full) or the collector failed or did not answer (export_failed)',
      labelNames: ['reason'],
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  /** A configured source name, or `_unknown`. */
  sourceLabel(name: string | undefined): string {
    return name !== undefined && this.sources.has(name) ? name : UNKNOWN_SOURCE;
  }

  recordProfileRequest(sample: ProfileRequestSample): void {
    const source = this.sourceLabel(sample.source);
    const cache = sample.cacheOutcome ? cacheLabelOf(sample.cacheOutcome) : 'none';
    const key = sample.keyName ?? NO_KEY;
    const outcome = outcomeLabelOf(sample.status, sample.problemCode);
    const requestsId = `${source}\u0000${key}\u0000${outcome}\u0000${cache}`;
    (this.profileRequestChildren.get(requestsId) ?? remember(this.profileRequestChildren, requestsId, this.profileRequests.labels({ source, key, outcome, cache }))).inc();
    const durationId = `${source}\u0000${cache}`;
    (this.profileDurationChildren.get(durationId) ?? remember(this.profileDurationChildren, durationId, this.profileDuration.labels({ source, cache }))).observe(
      sample.durationMs / 1000,
    );
  }

  /** One `POST /profiles/batch` request; `keyName` undefined with auth disabled. */
  recordBatchRequest(keyName: string | undefined, outcome: string): void {
    this.batchRequests.inc({ key: keyName ?? NO_KEY, outcome });
  }

  /** The number of lookups of an accepted batch. */
  recordBatchSize(lookups: number): void {
    this.batchLookups.observe(lookups);
  }

  /** One purge that took effect (contract §8). */
  recordPurge(source: string, scope: 'entry' | 'source'): void {
    this.purges.inc({ source: this.sourceLabel(source), scope });
  }

  recordRateLimited(keyName: string): void {
    this.rateLimited.inc({ key: keyName });
  }

  recordAuthRejection(reason: AuthRejection): void {
    this.authRejections.inc({ reason });
  }

  recordTracingSpansDropped(reason: 'queue_full' | 'export_failed', count: number): void {
    this.tracingSpansDropped.inc({ reason }, count);
  }

  recordRedisError(operation: RedisOperation | 'ratelimit'): void {
    this.redisErrors.inc({ operation });
  }

  /** Redis failures of one operation counted so far (the `warm` command reports its failed cache writes). */
  async redisErrorCount(operation: RedisOperation | 'ratelimit'): Promise<number> {
    const { values } = await this.redisErrors.get();
    return values.find((sample) => sample.labels.operation === operation)?.value ?? 0;
  }

  /** Reads each source's circuit state at scrape time (in addition to the changes the observer reports). */
  readCircuitsFrom(reader: () => Iterable<[string, CircuitState]>): void {
    this.circuitReader = reader;
  }

  /** For `SourceRegistry.fromConfig`: upstream attempt latency and circuit changes. */
  upstreamObserver(extra: UpstreamObserver = {}): UpstreamObserver {
    return {
      onAttempt: (source, status, durationMs) => {
        this.upstreamDuration.observe({ source: this.sourceLabel(source), status: String(status) }, durationMs / 1000);
        extra.onAttempt?.(source, status, durationMs);
      },
      onCircuitState: (source, state) => {
        this.circuitStates.set(this.sourceLabel(source), state);
        extra.onCircuitState?.(source, state);
      },
    };
  }

  /** For `createProfileCache`: outcomes, coalescing and Redis failures. */
  cacheObserver(): CacheObserver {
    return {
      onOutcome: (source, outcome) => {
        const label = this.sourceLabel(source);
        const outcomeLabel = cacheLabelOf(outcome);
        const id = `${label}\u0000${outcomeLabel}`;
        (this.cacheOutcomeChildren.get(id) ?? remember(this.cacheOutcomeChildren, id, this.cacheOutcomes.labels({ source: label, outcome: outcomeLabel }))).inc();
        if (isCollapsed(outcome)) this.coalesced.inc({ source: label });
      },
      onRedisError: (op) => this.recordRedisError(op),
    };
  }

  private currentCircuitStates(): Map<string, CircuitState> {
    const states = new Map(this.circuitStates);
    if (this.circuitReader) for (const [source, state] of this.circuitReader()) states.set(this.sourceLabel(source), state);
    return states;
  }
}
