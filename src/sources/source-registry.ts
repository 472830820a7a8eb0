import type { HttpService } from '@nestjs/axios';

import type { GatewayConfig, SourceConfig } from '../config/config.types.js';
import type { AdapterKind } from '../profiles/adapter-kind.js';
import { SourceNotFoundError } from '../profiles/profile.errors.js';
import type { MembershipType } from '../profiles/profile.model.js';
import type { ProfileSource } from '../profiles/profile-source.port.js';
import type { AttemptTracer } from '../resilience/resilient-upstream-http.js';
import { orgDirectorySourceFactory } from './org-directory/org-directory.source.js';
import { scalepadAmmSourceFactory } from './scalepad-amm/scalepad-amm.source.js';
import { scimSourceFactory } from './scim/scim.source.js';
import { type KindDescription, producedMembershipTypes as producedBy, type ProfileSourceFactory } from './shared/source-factory.js';
import type { UpstreamObserver } from './shared/upstream-http.contract.js';
import { createUpstreamHttp } from './upstream-http.factory.js';
import { usertourSourceFactory } from './usertour/usertour.source.js';
import { vemetricSourceFactory } from './vemetric/vemetric.source.js';

/**
 * The explicit list of adapter kinds: kind → factory, the only one. Adding a kind is its folder and one line here;
 * the configuration loader (given `ADAPTER_KINDS` and `validateKindOptions` by its caller), the OpenAPI document, the
 * contract suite, the README checks and the sandbox read the kinds from it. The domain's `AdapterKind` is a kind's
 * name (a string); `RegisteredKind` is the literal union of this table's keys.
 */
export const SOURCE_FACTORIES = {
  vemetric: vemetricSourceFactory,
  'scalepad-amm': scalepadAmmSourceFactory,
  usertour: usertourSourceFactory,
  'org-directory': orgDirectorySourceFactory,
  scim: scimSourceFactory,
} satisfies Record<string, ProfileSourceFactory>;

/** A registered kind: one of the keys of `SOURCE_FACTORIES`. */
export type RegisteredKind = keyof typeof SOURCE_FACTORIES;

/** Every adapter kind, in registry order. */
export const ADAPTER_KINDS: readonly RegisteredKind[] = Object.keys(SOURCE_FACTORIES) as RegisteredKind[];

export function isAdapterKind(value: unknown): value is RegisteredKind {
  return typeof value === 'string' && Object.hasOwn(SOURCE_FACTORIES, value);
}

/**
 * The factory of a kind.
 * @throws Error for a kind that is not registered (the configuration loader accepts only registered kinds)
 */
function factoryOf(kind: AdapterKind): ProfileSourceFactory {
  if (!isAdapterKind(kind)) throw new Error(`Unknown adapter kind "${kind}" (registered: ${ADAPTER_KINDS.join(', ')})`);
  return SOURCE_FACTORIES[kind];
}

/** Each kind with its self-description, in registry order. */
export function kindDescriptions(): Array<{ kind: RegisteredKind; description: KindDescription }> {
  return ADAPTER_KINDS.map((kind) => ({ kind, description: SOURCE_FACTORIES[kind].description }));
}

/** The membership types some kind produces, in the canonical order. */
export function producedMembershipTypes(): MembershipType[] {
  return producedBy(kindDescriptions());
}

/** Kind-specific option problems, for the config loader. */
export function validateKindOptions(kind: AdapterKind, options: Record<string, unknown>): { path: string; message: string }[] {
  return factoryOf(kind).validateOptions(options);
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
        const source = factoryOf(sourceConfig.kind).create(sourceConfig, {
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
