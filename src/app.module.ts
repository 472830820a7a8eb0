import { HttpModule, HttpService } from '@nestjs/axios';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';

import { ApiKeyAuthenticator } from './auth/api-key.authenticator.js';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { createKeyRateLimiter, KeyRateLimiter } from './auth/key-rate-limiter.js';
import { createProfileCache, type ProfileCache } from './cache/profile-cache.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { GatewayConfig } from './config/config.types.js';
import { HealthController, READINESS_INPUTS } from './health/health.controller.js';
import type { ReadinessInputs } from './health/readiness.js';
import { repeatedWarnings } from './logging/repeated-warnings.js';
import { type CircuitState, GatewayMetrics } from './metrics/gateway-metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import { recordUpstreamAttempt } from './metrics/request-context.js';
import { ProfilesController } from './profiles/profiles.controller.js';
import { ProfilesService } from './profiles/profiles.service.js';
import { SourceRegistry } from './sources/source-registry.js';
import { GATEWAY_CONFIG, LOGGER, PROFILE_CACHE, SOURCE_REGISTRY } from './tokens.js';

export interface AppModuleOptions {
  config: GatewayConfig;
  logger: Logger;
}

function* circuitStatesOf(registry: SourceRegistry): Iterable<[string, CircuitState]> {
  for (const runtime of registry.all()) {
    const state = runtime.circuitState?.();
    if (state) yield [runtime.config.name, state];
  }
}

/**
 * Composition root: config, logger, metrics, sources (observed by the metrics), the cache (observed too), caller
 * authentication and rate limits, the profile, health and metrics endpoints, and the one error filter.
 * On shutdown (after the HTTP server has finished its in-flight requests) it closes the upstream sockets and the
 * Redis connections.
 */
@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Inject(SOURCE_REGISTRY) private readonly registry: SourceRegistry,
    @Inject(PROFILE_CACHE) private readonly cache: ProfileCache,
    @Inject(KeyRateLimiter) private readonly rateLimiter: KeyRateLimiter,
  ) {}

  static forRoot({ config, logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [HttpModule.register({}), TerminusModule.forRoot({ logger: false })],
      controllers: [ProfilesController, HealthController, MetricsController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        { provide: GatewayMetrics, useFactory: () => new GatewayMetrics({ sourceNames: config.sources.map((s) => s.name) }) },
        {
          provide: SOURCE_REGISTRY,
          inject: [HttpService, GatewayMetrics],
          useFactory: (httpService: HttpService, metrics: GatewayMetrics) => {
            const registry = SourceRegistry.fromConfig(config, {
              httpService,
              observer: metrics.upstreamObserver({ onAttempt: (_source, status) => recordUpstreamAttempt(status) }),
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
            return createProfileCache({ redis: config.cache.redis, memory: config.cache.memory, logger, observer: metrics.cacheObserver() });
          },
        },
        {
          provide: ApiKeyAuthenticator,
          useFactory: () => {
            if (config.auth.disabled) {
              logger.warn(
                { authDisabled: true },
                'AUTH DISABLED (auth.disabled: true): every caller may read every source without an API key and without a rate limit. Local demos only.',
              );
            }
            return new ApiKeyAuthenticator(config.auth);
          },
        },
        {
          provide: KeyRateLimiter,
          inject: [GatewayMetrics],
          useFactory: (metrics: GatewayMetrics) =>
            createKeyRateLimiter({
              apiKeys: config.auth.disabled ? [] : config.auth.apiKeys,
              redis: config.cache.redis,
              onRedisError: () => metrics.recordRedisError('ratelimit'),
              logger,
            }),
        },
        ApiKeyGuard,
        {
          provide: READINESS_INPUTS,
          inject: [SOURCE_REGISTRY, PROFILE_CACHE],
          useFactory: (registry: SourceRegistry, cache: ProfileCache): ReadinessInputs => ({
            config,
            cacheStatus: () => cache.status(),
            sources: () => registry.all(),
          }),
        },
        ProfilesService,
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.registry.close();
    await Promise.all([this.cache.close(), this.rateLimiter.close()]);
  }
}
