import type { HttpService } from '@nestjs/axios';

import type { GatewayConfig, SourceConfig } from '../config/config.types.js';
import type { AdapterKind } from '../profiles/adapter-kind.js';
import { SourceNotFoundError } from '../profiles/profile.errors.js';
import { MEMBERSHIP_TYPES, type MembershipType } from '../profiles/profile.model.js';
import type { KindDescription, ProfileSource, ProfileSourceFactory } from '../profiles/profile-source.port.js';
import { orgDirectorySourceFactory } from './org-directory/org-directory.source.js';
import { scalepadAmmSourceFactory } from './scalepad-amm/scalepad-amm.source.js';
import { scimSourceFactory } from './scim/scim.source.js';
import { createUpstreamHttp, type UpstreamObserver } from './shared/upstream-http.js';
import { usertourSourceFactory } from './usertour/usertour.source.js';
import { vemetricSourceFactory } from './vemetric/vemetric.source.js';

/**
 * The explicit list of adapter kinds: kind → factory. Adding a kind is one line here; `AdapterKind` is this table's keys,
 * and the OpenAPI document, the contract suite, the README checks and the sandbox read the kinds from it.
 */
export const SOURCE_FACTORIES = {
  vemetric: vemetricSourceFactory,
  'scalepad-amm': scalepadAmmSourceFactory,
  usertour: usertourSourceFactory,
  'org-directory': orgDirectorySourceFactory,
  scim: scimSourceFactory,
} satisfies Record<string, ProfileSourceFactory>;

/** Every adapter kind, in registry order. */
export const ADAPTER_KINDS = Object.keys(SOURCE_FACTORIES) as AdapterKind[];

export function isAdapterKind(value: unknown): value is AdapterKind {
  return typeof value === 'string' && Object.hasOwn(SOURCE_FACTORIES, value);
}

/** Each kind with its self-description, in registry order. */
export function kindDescriptions(): Array<{ kind: AdapterKind; description: KindDescription }> {
  return ADAPTER_KINDS.map((kind) => ({ kind, description: SOURCE_FACTORIES[kind].description }));
}

/** The membership types some kind produces, in the canonical order. */
export function producedMembershipTypes(): MembershipType[] {
  const produced = new Set(kindDescriptions().flatMap(({ description }) => description.membershipTypes));
  return MEMBERSHIP_TYPES.filter((type) => produced.has(type));
}

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
        const http = createUpstreamHttp(sourceConfig, dependencies.httpService, dependencies.observer);
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

  has(name: string): boolean {
    return this.byName.has(name);
  }

  all(): SourceRuntime[] {
    return [...this.byName.values()];
  }

  close(): void {
    for (const runtime of this.byName.values()) runtime.close();
  }
}
