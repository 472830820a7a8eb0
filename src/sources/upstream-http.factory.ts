import type { HttpService } from '@nestjs/axios';

import type { SourceConfig } from '../config/config.types.js';
import { type ResilienceOptions, ResilientUpstreamHttp } from '../resilience/resilient-upstream-http.js';
import { AxiosUpstreamTransport } from './shared/axios-upstream-transport.js';
import type { UpstreamObserver } from './shared/upstream-http.contract.js';
import { classifyResponse } from './shared/upstream-response.js';

/**
 * The upstream client of one source: the single-attempt transport wrapped in the source's resilience policies
 * (total time budget, retries, circuit breaker, bulkhead, upstream rate-limit awareness; see `src/resilience/`),
 * with every answer classified into a body or a domain error.
 */
export function createUpstreamHttp(
  config: SourceConfig,
  httpService: HttpService,
  observer: UpstreamObserver = {},
  options: ResilienceOptions = {},
): ResilientUpstreamHttp {
  const transport = new AxiosUpstreamTransport(httpService, config);
  const bounds: ResilienceOptions = { headersTimeoutMs: config.headersTimeoutMs, bodyTimeoutMs: config.bodyTimeoutMs, ...options };
  return new ResilientUpstreamHttp(config, transport, (response, notFound, nowMs) => classifyResponse(config.name, response, notFound, nowMs), observer, bounds);
}
