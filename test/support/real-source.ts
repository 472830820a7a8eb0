import { HttpService } from '@nestjs/axios';
import axios from 'axios';

import type { SourceConfig } from '../../src/config/config.types.js';
import type { ProfileSource } from '../../src/profiles/profile-source.port.js';
import type { ProfileSourceFactory } from '../../src/sources/shared/source-factory.js';
import { createUpstreamHttp } from '../../src/sources/upstream-http.factory.js';

/** A complete source configuration for tests: one attempt, a 2 s budget, no stale windows. */
export function testSourceConfig(overrides: Partial<SourceConfig> & Pick<SourceConfig, 'name' | 'kind' | 'baseUrl' | 'token'>): SourceConfig {
  return {
    options: {},
    timeoutMs: 2000,
    retries: 0,
    connectTimeoutMs: 1000,
    maxResponseBytes: 1_000_000,
    maxConcurrency: 4,
    maxQueue: 10,
    circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 30_000 },
    cache: { ttlMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 0 },
    ...overrides,
  };
}

/** A kind's real source over the real upstream client (axios, resilience), for round trips against a fake. */
export function realSource(factory: ProfileSourceFactory, config: SourceConfig): { source: ProfileSource; close: () => void } {
  const upstream = createUpstreamHttp(config, new HttpService(axios.create()));
  return {
    source: factory.create(config, { http: upstream, onInvalidOptionalTimestamp: () => undefined }),
    close: () => upstream.close(),
  };
}
