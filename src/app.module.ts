import { HttpModule, HttpService } from '@nestjs/axios';
import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { Logger } from 'pino';

import { createProfileCache, type ProfileCache } from './cache/profile-cache.js';
import { ProblemFilter } from './common/problem.filter.js';
import type { GatewayConfig } from './config/config.types.js';
import { ProfilesController } from './profiles/profiles.controller.js';
import { ProfilesService } from './profiles/profiles.service.js';
import { SourceRegistry } from './sources/source-registry.js';
import { GATEWAY_CONFIG, LOGGER, PROFILE_CACHE, SOURCE_REGISTRY } from './tokens.js';

export interface AppModuleOptions {
  config: GatewayConfig;
  logger: Logger;
}

/** Composition root: config, logger, sources, cache, the profile endpoint and the one error filter. */
@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Inject(SOURCE_REGISTRY) private readonly registry: SourceRegistry,
    @Inject(PROFILE_CACHE) private readonly cache: ProfileCache,
  ) {}

  static forRoot({ config, logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [HttpModule.register({})],
      controllers: [ProfilesController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: LOGGER, useValue: logger },
        {
          provide: SOURCE_REGISTRY,
          inject: [HttpService],
          useFactory: (httpService: HttpService) =>
            SourceRegistry.fromConfig(config, {
              httpService,
              onInvalidOptionalTimestamp: (source, field, value) =>
                logger.warn({ source, field, value: typeof value === 'string' ? value.slice(0, 64) : typeof value }, 'unparseable optional timestamp mapped to null'),
            }),
        },
        {
          provide: PROFILE_CACHE,
          useFactory: () => {
            if (!config.cache.redis) logger.warn('no cache.redis configured: the in-process cache serves alone (not shared between instances)');
            return createProfileCache({ redis: config.cache.redis, memory: config.cache.memory, logger });
          },
        },
        ProfilesService,
        { provide: APP_FILTER, useClass: ProblemFilter },
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    this.registry.close();
    await this.cache.close();
  }
}
