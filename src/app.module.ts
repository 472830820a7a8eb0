import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Logger } from 'pino';

import { BatchController } from './api/batch.controller.js';
import { BATCH_OPTIONS } from './api/batch.options.js';
import { BATCH_DELAY, BatchService, realDelay } from './api/batch.service.js';
import { ProfilesController } from './api/profiles.controller.js';
import { PurgeController } from './api/purge.controller.js';
import { ApiKeyAuthenticator } from './auth/api-key.authenticator.js';
import { ApiKeyGuard } from './auth/api-key.guard.js';
import { createKeyRateLimiter, KeyRateLimiter } from './auth/key-rate-limiter.js';
import type { ProfileCache } from './cache/index.js';
import { ProblemFilter } from './common/problem.filter.js';
import { ProblemsController } from './common/problems.controller.js';
import type { GatewayConfig } from './config/config.types.js';
import { GatewayCoreModule } from './gateway-core.module.js';
import { HealthController, READINESS_INPUTS } from './health/health.controller.js';
import type { ReadinessInputs } from './health/readiness.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { MetricsController } from './metrics/metrics.controller.js';
import type { SourceRegistry } from './sources/source-registry.js';
import { PROFILE_CACHE, SOURCE_REGISTRY } from './tokens.js';

export interface AppModuleOptions {
  config: GatewayConfig;
  logger: Logger;
}

/**
 * Composition root of the HTTP server: the lookup core (`GatewayCoreModule`: config, logger, metrics, sources, cache,
 * `ProfilesService`, shared with the `warm` command), caller authentication and rate limits, the profile, health and
 * metrics endpoints, and the one error filter. On shutdown (after the HTTP server has finished its in-flight
 * requests) it closes the rate limiter's Redis connection; the core closes the cache and the upstream sockets.
 */
@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(@Inject(KeyRateLimiter) private readonly rateLimiter: KeyRateLimiter) {}

  static forRoot({ config, logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [GatewayCoreModule.forRoot({ config, logger }), TerminusModule.forRoot({ logger: false })],
      controllers: [BatchController, ProfilesController, PurgeController, ProblemsController, HealthController, MetricsController],
      providers: [
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
        BatchService,
        { provide: BATCH_OPTIONS, useValue: { maxLookups: config.batch.maxLookups } },
        { provide: BATCH_DELAY, useValue: realDelay },
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.rateLimiter.close();
  }
}
