import { Inject, Injectable } from '@nestjs/common';

import { cacheStatusOf } from '../cache/cache-outcome.js';
import { type CacheAnswer, type CacheDirectives, CachedNotFoundError, type CacheLookup, type ProfileCache } from '../cache/index.js';
import { ValidationError } from '../profiles/profile.errors.js';
import type { LookupBy, ProfileLookup } from '../profiles/profile-source.port.js';
import type { SourceRegistry, SourceRuntime } from '../sources/source-registry.js';
import { PROFILE_CACHE, SOURCE_REGISTRY } from '../tokens.js';
import { type CacheStatusReader, traceCacheLookup } from '../tracing/trace-hooks.js';

/** `by` query value → lookup kind. Absent (or `id`) is the upstream id. */
function lookupByOf(value: unknown, source: string): LookupBy {
  if (value === undefined || value === 'id') return 'id';
  if (value === 'externalId') return 'externalId';
  throw new ValidationError('Query parameter by must be externalId (or id)', [{ field: 'by', message: 'must be externalId or id' }], source);
}

/**
 * The source of a request and its checked lookup: what a read and a purge both do before any cache access.
 * @throws SourceNotFoundError, ValidationError (bad `by` or id), LookupNotSupportedError
 */
export function resolveLookup(registry: SourceRegistry, request: { source: string; id: string; by: unknown }): { runtime: SourceRuntime; lookup: ProfileLookup } {
  const runtime = registry.get(request.source);
  const lookup: ProfileLookup = { id: request.id, by: lookupByOf(request.by, runtime.source.name) };
  runtime.source.validateLookup(lookup);
  return { runtime, lookup };
}

/** `cache.status` of a traced lookup: the answer's `Cache-Status`, or a cached 404's. */
const CACHE_STATUS: CacheStatusReader<CacheAnswer> = {
  ofAnswer: (answer) => cacheStatusOf(answer.outcome),
  ofError: (error) => (error instanceof CachedNotFoundError ? cacheStatusOf(error.facts.outcome) : undefined),
};

export interface ProfileRequest {
  source: string;
  /** Decoded `:id`. */
  id: string;
  /** The `by` query value as received. */
  by: unknown;
  /** The request's `Cache-Control` directives (`cacheDirectivesOf`). */
  directives: CacheDirectives;
  requestId: string;
  /** Told the status of each upstream attempt made for this request (not of a call it only waited on). */
  onUpstreamAttempt?: (status: number) => void;
}

/** Resolves the source, checks the id, and answers through the cache (which calls the upstream when it must). */
@Injectable()
export class ProfilesService {
  constructor(
    @Inject(SOURCE_REGISTRY) private readonly registry: SourceRegistry,
    @Inject(PROFILE_CACHE) private readonly cache: ProfileCache,
  ) {}

  /**
   * @throws SourceNotFoundError, ValidationError, LookupNotSupportedError before any cache or upstream access;
   *   then ProfileNotFoundError (a `CachedNotFoundError`), NotCachedError or an UpstreamError from the cache
   */
  async getProfile(request: ProfileRequest): Promise<CacheAnswer> {
    const {
      runtime: { source, config },
      lookup,
    } = resolveLookup(this.registry, request);
    const cacheLookup: CacheLookup = {
      key: { source: source.name, by: lookup.by, id: lookup.id },
      policy: config.cache,
      directives: request.directives,
      // One budget for the whole lookup: the upstream call gets what waiting on other calls left of it.
      budgetMs: config.timeoutMs,
      // The caller's disconnect does not cancel the fetch: other requests may be waiting on it (coalescing).
      fetch: ({ budgetMs }) => source.fetchProfile(lookup, { requestId: request.requestId, budgetMs, onAttempt: request.onUpstreamAttempt }),
    };
    // Tracing off (or this request untraced): one check, then the plain call.
    return traceCacheLookup(source.name, config.kind, () => this.cache.get(cacheLookup), CACHE_STATUS);
  }
}
