import type { HttpService } from '@nestjs/axios';

import type { GatewayConfig, SourceConfig } from '../config/config.types.js';
import type { AdapterKind } from '../profiles/adapter-kind.js';
import { SourceNotFoundError } from '../profiles/profile.errors.js';
import type { ProfileSource } from '../profiles/profile-source.port.js';
import type { AttemptTracer } from '../resilience/resilient-upstream-http.js';
import { orgDirectorySourceFactory } from './org-directory/org-directory.source.js';
import { scalepadAmmSourceFactory } from './scalepad-amm/scalepad-amm.source.js';
import type { ProfileSourceFactory } from './shared/source-factory.js';
import type { UpstreamObserver } from './shared/upstream-http.contract.js';
import { createUpstreamHttp } from './upstream-http.factory.js';
import { usertourSourceFactory } from './usertour/usertour.source.js';
import { vemetricSourceFactory } from './vemetric/vemetric.source.js';

/** The explicit list of adapter kinds. `satisfies` makes a kind without a factory a compile error. */
export const SOURCE_FACTORIES = {
  vemetric: vemetricSourceFactory,
  'scalepad-amm': scalepadAmmSourceFactory,
  usertour: usertourSourceFactory,
  'org-directory': orgDirectorySourceFactory,
} satisfies Record<AdapterKind, ProfileSourceFactory>;

/** Kind-specific option problems, for the config loader. */
export function validateKindOptions(kind: AdapterKind, options: Record<string, unknown>): { path: string; message: string }[] {
  return SOURCE_FACTORIES[kind].validateOptions(options);
}

/** Introspection of one source's upstream client (health, metrics, warmer). */
export interface SourceRuntime {
  source: ProfileSource;
  config: SourceConfig;
  /** Circuit state, when the client has a breaker. */
  circuitState?: () => 'closed' | 'open' | 'half-open';
  /** Epoch ms until which the upstream's announced rate limit is spent (0 when not). */
  rateLimitedUntil?: () => number;
  close(): void;
}

export interface RegistryDependencies {
  httpService: HttpService;
  observer?: UpstreamObserver;
  /** Traces each upstream attempt; given only when tracing is on. */
  tracer?: AttemptTracer;
  onInvalidOptionalTimestamp: (source: string, field: string, value: unknown) => void;
}

/** One `ProfileSource` per configured source, built once at start. */
export class SourceRegistry {
  private readonly byName = new Map<string, SourceRuntime>();

  constructor(runtimes: SourceRuntime[]) {
    for (const runtime of runtimes) this.byName.set(runtime.source.name, runtime);
  }

  static fromConfig(config: GatewayConfig, dependencies: RegistryDependencies): SourceRegistry {
    return new SourceRegistry(
      config.sources.map((sourceConfig) => {
        const http = createUpstreamHttp(
          sourceConfig,
          dependencies.httpService,
          dependencies.observer,
          dependencies.tracer ? { tracer: dependencies.tracer } : {},
        );
        const source = SOURCE_FACTORIES[sourceConfig.kind].create(sourceConfig, {
          http,
          onInvalidOptionalTimestamp: (field, value) => dependencies.onInvalidOptionalTimestamp(sourceConfig.name, field, value),
        });
        return {
          source,
          config: sourceConfig,
          circuitState: () => http.circuitState(),
          rateLimitedUntil: () => http.rateLimitedUntil(),
          close: () => http.close(),
        };
      }),
    );
  }

  /** @throws SourceNotFoundError when no source has that name */
  get(name: string): SourceRuntime {
    const runtime = this.byName.get(name);
    if (!runtime) throw new SourceNotFoundError(name);
    return runtime;
  }

  /** The source of that name, if one is configured. */
  find(name: string): SourceRuntime | undefined {
    return this.byName.get(name);
  }

  all(): SourceRuntime[] {
    return [...this.byName.values()];
  }

  close(): void {
    for (const runtime of this.byName.values()) runtime.close();
  }
}
