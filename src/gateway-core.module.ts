import { HttpModule, HttpService } from '@nestjs/axios';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';

import { ProfilesService } from './api/profiles.service.js';
import { PurgeService } from './api/purge.service.js';
import { createProfileCache, type ProfileCache } from './cache/index.js';
import type { GatewayConfig } from './config/config.types.js';
import { repeatedWarnings } from './logging/repeated-warnings.js';
import { type CircuitState, GatewayMetrics } from './metrics/gateway-metrics.js';
import { SourceRegistry } from './sources/source-registry.js';
import { GATEWAY_CONFIG, LOGGER, PROFILE_CACHE, SOURCE_REGISTRY } from './tokens.js';
import { CACHE_TRACER, startUpstreamAttempt } from './tracing/trace-hooks.js';

export interface GatewayCoreOptions {
  config: GatewayConfig;
  logger: Logger;
  /** Process metrics (CPU, memory, event loop) besides the gateway's own. Default true; a one-shot command needs none. */
  defaultMetrics?: boolean;
}

function* circuitStatesOf(registry: SourceRegistry): Iterable<[string, CircuitState]> {
  for (const runtime of registry.all()) {
    const state = runtime.circuitState?.();
    if (state) yield [runtime.config.name, state];
  }
}

/**
 * What answers a profile lookup, defined once for every entry point (the HTTP server's `AppModule` and the `warm`
 * command): config, logger, metrics, the sources with their upstream clients (observed by the metrics), the
 * two-tier cache (observed too) and `ProfilesService`. On shutdown it closes the cache first (pending Redis writes
 * finish; background refreshes still running are no longer stored), then the upstream sockets.
 */
@Module({})
export class GatewayCoreModule implements OnApplicationShutdown {
  constructor(
    @Inject(SOURCE_REGISTRY) private readonly registry: SourceRegistry,
    @Inject(PROFILE_CACHE) private readonly cache: ProfileCache,
  ) {}

  static forRoot({ config, logger, defaultMetrics = true }: GatewayCoreOptions): DynamicModule {
    return {
      module: GatewayCoreModule,
      imports: [HttpModule.register({})],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: GatewayMetrics, useFactory: () => new GatewayMetrics({ sourceNames: config.sources.map((s) => s.name), defaultMetrics }) },
        {
          provide: SOURCE_REGISTRY,
          inject: [HttpService, GatewayMetrics],
          useFactory: (httpService: HttpService, metrics: GatewayMetrics) => {
            const registry = SourceRegistry.fromConfig(config, {
              httpService,
              observer: metrics.upstreamObserver(),
              // Only with a `tracing` section: without one, an attempt makes no tracing call at all.
              ...(config.tracing ? { tracer: startUpstreamAttempt } : {}),
              // Aggregated per source and field: one bad upstream field would otherwise log once per lookup.
              onInvalidOptionalTimestamp: (source, field, value) =>
                repeatedWarnings(logger).warn('unparseable optional timestamp mapped to null', { source, code: field }, { field, value: typeof value === 'string' ? value.slice(0, 64) : typeof value }),
            });
            metrics.readCircuitsFrom(() => circuitStatesOf(registry));
            return registry;
          },
        },
        {
          provide: PROFILE_CACHE,
          inject: [GatewayMetrics],
          useFactory: (metrics: GatewayMetrics) => {
            if (!config.cache.redis) logger.warn('no cache.redis configured: the in-process cache serves alone (not shared between instances)');
            return createProfileCache({
              redis: config.cache.redis,
              memory: config.cache.memory,
              logger,
              observer: metrics.cacheObserver(),
              ...(config.tracing ? { tracer: CACHE_TRACER } : {}),
            });
          },
        },
        ProfilesService,
        PurgeService,
      ],
      exports: [GATEWAY_CONFIG, LOGGER, GatewayMetrics, SOURCE_REGISTRY, PROFILE_CACHE, ProfilesService, PurgeService],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.cache.close();
    this.registry.close();
  }
}
