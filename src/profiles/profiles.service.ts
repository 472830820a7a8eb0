import { Inject, Injectable } from '@nestjs/common';

import type { CacheAnswer, ProfileCache } from '../cache/profile-cache.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import { PROFILE_CACHE, SOURCE_REGISTRY } from '../tokens.js';
import type { RequestDirective } from './cache-directive.js';
import type { ProfileLookup } from './profile-source.port.js';
import { NotCachedError } from './profile.errors.js';

export interface ProfileRequest {
  source: string;
  lookup: ProfileLookup;
  directive: RequestDirective;
  requestId: string;
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
   *   then ProfileNotFoundError, NotCachedError or an UpstreamError from the cache
   */
  async getProfile(request: ProfileRequest): Promise<CacheAnswer> {
    const { source, config } = this.registry.get(request.source);
    source.validateLookup(request.lookup);
    if (request.directive === 'unsatisfiable') throw new NotCachedError(source.name, request.lookup.id);
    return this.cache.get({
      key: { source: source.name, by: request.lookup.by, id: request.lookup.id },
      policy: config.cache,
      directive: request.directive,
      // The caller's disconnect does not cancel the fetch: other requests may be waiting on it (coalescing).
      fetch: () => source.fetchProfile(request.lookup, { requestId: request.requestId }),
    });
  }
}
