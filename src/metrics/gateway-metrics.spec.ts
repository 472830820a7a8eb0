import type { CacheOutcome } from '../cache/cache-outcome.js';
import { type CircuitState, GatewayMetrics, outcomeLabelOf } from './gateway-metrics.js';

const HIT: CacheOutcome = { kind: 'hit', ttlSeconds: 42, notFound: false };
const NEGATIVE_HIT: CacheOutcome = { kind: 'hit', ttlSeconds: 12, notFound: true };

function setup(defaultMetrics = false) {
  return new GatewayMetrics({ sourceNames: ['crm', 'analytics'], defaultMetrics });
}

/** The value of the sample line that starts with `prefix` (name and labels). */
async function sample(metrics: GatewayMetrics, prefix: string): Promise<number | undefined> {
  const line = (await metrics.render()).split('\n').find((l) => l.startsWith(prefix + ' '));
  return line === undefined ? undefined : Number(line.slice(prefix.length + 1));
}

describe(GatewayMetrics.name, () => {
  describe('recordProfileRequest', () => {
    it('should count answers by source, key, outcome and cache result and time them', async () => {
      const sut = setup();

      sut.recordProfileRequest({ source: 'crm', keyName: 'dashboard', status: 200, problemCode: undefined, cacheOutcome: HIT, durationMs: 3 });
      sut.recordProfileRequest({ source: 'crm', keyName: 'dashboard', status: 200, problemCode: undefined, cacheOutcome: HIT, durationMs: 2 });
      sut.recordProfileRequest({ source: 'crm', keyName: 'dashboard', status: 404, problemCode: 'PROFILE_NOT_FOUND', cacheOutcome: undefined, durationMs: 9 });

      expect(await sample(sut, 'gateway_profile_requests_total{source="crm",key="dashboard",outcome="ok",cache="hit"}')).toBe(2);
      expect(await sample(sut, 'gateway_profile_requests_total{source="crm",key="dashboard",outcome="PROFILE_NOT_FOUND",cache="none"}')).toBe(1);
      expect(await sample(sut, 'gateway_profile_request_duration_seconds_count{source="crm",cache="hit"}')).toBe(2);
      expect(await sample(sut, 'gateway_profile_request_duration_seconds_sum{source="crm",cache="hit"}')).toBeCloseTo(0.005);
    });

    it('should count an unconfigured source name and a missing key under fixed labels, never the name sent', async () => {
      const sut = setup();

      sut.recordProfileRequest({ source: 'x'.repeat(300), keyName: undefined, status: 401, problemCode: 'UNAUTHORIZED', cacheOutcome: undefined, durationMs: 1 });

      const text = await sut.render();
      expect(await sample(sut, 'gateway_profile_requests_total{source="_unknown",key="_none",outcome="UNAUTHORIZED",cache="none"}')).toBe(1);
      expect(text).not.toContain('xxxx');
    });
  });

  describe('cacheObserver', () => {
    it('should count outcomes and coalesced waits per source, with no process-lifetime hit ratio', async () => {
      const sut = setup();
      const observer = sut.cacheObserver();

      observer.onOutcome('crm', HIT);
      observer.onOutcome('crm', { kind: 'stale', staleSeconds: 3, reason: 'stale-while-revalidate' });
      observer.onOutcome('crm', { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false });
      observer.onOutcome('crm', { kind: 'failed', fwd: 'miss', collapsed: true });
      observer.onOutcome('crm', { kind: 'stale-if-error', staleSeconds: 9, forwarded: true, upstreamStatus: 503, collapsed: true });

      expect(await sample(sut, 'gateway_cache_outcomes_total{source="crm",outcome="hit"}')).toBe(1);
      expect(await sample(sut, 'gateway_cache_outcomes_total{source="crm",outcome="stale-while-revalidate"}')).toBe(1);
      expect(await sample(sut, 'gateway_cache_outcomes_total{source="crm",outcome="miss"}')).toBe(2);
      expect(await sample(sut, 'gateway_cache_outcomes_total{source="crm",outcome="stale-if-error"}')).toBe(1);
      expect(await sample(sut, 'gateway_cache_coalesced_requests_total{source="crm"}')).toBe(2);
      expect(await sut.render()).not.toContain('gateway_cache_hit_ratio');
    });

    it('should label a cached 404 negative-hit in both the request and the cache outcome metrics', async () => {
      const sut = setup();

      sut.cacheObserver().onOutcome('crm', NEGATIVE_HIT);
      sut.recordProfileRequest({ source: 'crm', keyName: 'dashboard', status: 404, problemCode: 'PROFILE_NOT_FOUND', cacheOutcome: NEGATIVE_HIT, durationMs: 1 });

      expect(await sample(sut, 'gateway_cache_outcomes_total{source="crm",outcome="negative-hit"}')).toBe(1);
      expect(await sample(sut, 'gateway_profile_requests_total{source="crm",key="dashboard",outcome="PROFILE_NOT_FOUND",cache="negative-hit"}')).toBe(1);
    });

    it('should count Redis failures by operation', async () => {
      const sut = setup();

      sut.cacheObserver().onRedisError('get');
      sut.recordRedisError('ratelimit');

      expect(await sample(sut, 'gateway_redis_errors_total{operation="get"}')).toBe(1);
      expect(await sample(sut, 'gateway_redis_errors_total{operation="ratelimit"}')).toBe(1);
    });
  });

  describe('upstreamObserver', () => {
    it('should observe attempt latency by source and status and pass attempts on', async () => {
      const sut = setup();
      const seen: number[] = [];
      const observer = sut.upstreamObserver({ onAttempt: (_source, status) => seen.push(status) });

      observer.onAttempt?.('analytics', 200, 120);
      observer.onAttempt?.('analytics', 0, 2000);

      expect(await sample(sut, 'gateway_upstream_request_duration_seconds_count{source="analytics",status="200"}')).toBe(1);
      expect(await sample(sut, 'gateway_upstream_request_duration_seconds_bucket{le="0.25",source="analytics",status="200"}')).toBe(1);
      expect(await sample(sut, 'gateway_upstream_request_duration_seconds_sum{source="analytics",status="0"}')).toBe(2);
      expect(seen).toEqual([200, 0]);
    });

    it('should report the circuit state per source: changes as observed, current state as read at scrape time', async () => {
      const sut = setup();
      let analytics: CircuitState = 'closed';
      sut.readCircuitsFrom(() => [['analytics', analytics]]);
      sut.upstreamObserver().onCircuitState?.('crm', 'half-open');

      analytics = 'open';

      expect(await sample(sut, 'gateway_upstream_circuit_state{source="analytics"}')).toBe(2);
      expect(await sample(sut, 'gateway_upstream_circuit_state{source="crm"}')).toBe(1);
    });
  });

  it('should keep each instance in its own registry, with the process metrics when asked', async () => {
    const first = setup(true);
    const second = setup(true);

    first.recordRateLimited('warmer');

    expect(await sample(first, 'gateway_rate_limited_requests_total{key="warmer"}')).toBe(1);
    expect(await sample(second, 'gateway_rate_limited_requests_total{key="warmer"}')).toBeUndefined();
    expect(await second.render()).toContain('process_cpu_user_seconds_total');
    expect(first.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('outcomeLabelOf', () => {
  it.each([
    [200, undefined, 'ok'],
    [304, undefined, 'not_modified'],
    [504, 'UPSTREAM_TIMEOUT', 'UPSTREAM_TIMEOUT'],
    [503, undefined, 'http_503'],
    [400, 'not a code <script>', 'http_400'],
  ])('should label status %p with code %p as %p', (status, code, label) => {
    expect(outcomeLabelOf(status, code)).toBe(label);
  });
});
