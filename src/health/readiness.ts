import type { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';

import type { CacheHealth } from '../cache/index.js';
import type { GatewayConfig } from '../config/config.types.js';
import type { SourceRuntime } from '../sources/source-registry.js';

/** What readiness looks at: the loaded configuration, the cache's state and each source's circuit. */
export interface ReadinessInputs {
  config: GatewayConfig;
  cacheStatus: () => CacheHealth;
  sources: () => SourceRuntime[];
}

const CACHE_MESSAGES: Record<CacheHealth, string> = {
  up: 'Redis connected; the cache is shared between instances',
  'memory-only': 'no cache.redis configured; in-process cache only',
  degraded: 'Redis unreachable; answering from the in-process cache and the upstreams, reconnecting',
};

/** `config`: always up once the process serves (an invalid file stops it at start). */
export function configIndicator(indicators: HealthIndicatorService, inputs: ReadinessInputs): HealthIndicatorResult<'config'> {
  return indicators.check('config').up({ sources: inputs.config.sources.length, authDisabled: inputs.config.auth.disabled });
}

/**
 * `cache`: `up` with Redis connected or without Redis configured (`mode` tells which); `degraded` while Redis is
 * unreachable. A degraded cache still serves (contract: ready = cache reachable or degraded-but-serving), so it never
 * makes the gateway unready.
 */
export function cacheIndicator(indicators: HealthIndicatorService, inputs: ReadinessInputs): HealthIndicatorResult<'cache'> {
  const status = inputs.cacheStatus();
  const session = indicators.check('cache');
  const data = { mode: status === 'memory-only' ? 'memory-only' : 'redis', message: CACHE_MESSAGES[status] };
  return status === 'degraded' ? session.degraded(data) : session.up(data);
}

/**
 * `sources`: information only, always up: each source's kind and circuit state (`closed`, `half-open`, `open`, or
 * `none` when the source has no breaker). One dead upstream never makes the gateway unready.
 */
export function sourcesIndicator(indicators: HealthIndicatorService, inputs: ReadinessInputs): HealthIndicatorResult<'sources'> {
  const sources: Record<string, { kind: string; circuit: string }> = {};
  for (const runtime of inputs.sources()) {
    sources[runtime.config.name] = { kind: runtime.config.kind, circuit: runtime.circuitState?.() ?? 'none' };
  }
  return indicators.check('sources').up({ sources });
}
