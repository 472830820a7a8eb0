import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';

import type { ProfileCache, PurgeReach } from '../cache/index.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { LookupBy } from '../profiles/profile-source.port.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import { LOGGER, PROFILE_CACHE, SOURCE_REGISTRY } from '../tokens.js';
import { resolveLookup } from './profiles.service.js';

/**
 * How long a purge tombstone outlives the source's `timeout`: a fetch that started before the purge ends within its
 * lookup's budget (the source's `timeout`), and its entry write within Redis's `commandTimeout`; the rest absorbs
 * clock differences between instances.
 */
const TOMBSTONE_MARGIN_MS = 5_000;

/** A purge the shared cache (Redis) did not take: applied to this instance only, answered 500 so the caller retries. */
class PurgeNotSharedError extends Error {
  constructor(source: string) {
    super(`The purge in source ${source} did not reach the shared cache (Redis did not answer); it is safe to retry`);
    this.name = 'PurgeNotSharedError';
  }
}

export interface EntryPurgeRequest {
  source: string;
  /** Decoded `:id`. */
  id: string;
  /** The `by` query value as received. */
  by: unknown;
  /** The caller key's name; undefined with `auth.disabled`. */
  keyName: string | undefined;
  requestId: string;
}

export interface SourcePurgeRequest {
  source: string;
  keyName: string | undefined;
  requestId: string;
}

/** The facts of one purge that its log line carries. */
interface PurgeFacts {
  scope: 'entry' | 'source';
  source: string;
  by?: LookupBy;
  id?: string;
  keyName: string | undefined;
  requestId: string;
}

/**
 * Purge (contract §8): the source must exist and the id must pass its kind's rules, exactly as for a read. One entry is
 * replaced by a short-lived tombstone; a whole source gets a new generation. Every purge is logged at info and counted.
 */
@Injectable()
export class PurgeService {
  constructor(
    @Inject(SOURCE_REGISTRY) private readonly registry: SourceRegistry,
    @Inject(PROFILE_CACHE) private readonly cache: ProfileCache,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * @throws SourceNotFoundError, ValidationError, LookupNotSupportedError before any cache access
   * @throws PurgeNotSharedError when Redis is configured and did not take the purge (this instance purged it anyway)
   */
  async purgeEntry(request: EntryPurgeRequest): Promise<PurgeReach> {
    const {
      runtime: { source, config },
      lookup,
    } = resolveLookup(this.registry, request);
    const reach = await this.cache.purge({ source: source.name, by: lookup.by, id: lookup.id }, config.timeoutMs + TOMBSTONE_MARGIN_MS);
    this.report(reach, { scope: 'entry', source: source.name, by: lookup.by, id: lookup.id, keyName: request.keyName, requestId: request.requestId });
    return reach;
  }

  /**
   * @throws SourceNotFoundError for a name that is not configured
   * @throws PurgeNotSharedError when Redis is configured and did not take the purge
   */
  async purgeSource(request: SourcePurgeRequest): Promise<PurgeReach> {
    const { source } = this.registry.get(request.source);
    const reach = await this.cache.purgeSource(source.name);
    this.report(reach, { scope: 'source', source: source.name, keyName: request.keyName, requestId: request.requestId });
    return reach;
  }

  private report(reach: PurgeReach, facts: PurgeFacts): void {
    const purge = { scope: facts.scope, source: facts.source, ...(facts.by ? { by: facts.by } : {}), ...(facts.id !== undefined ? { id: facts.id } : {}), reach };
    const line = { reqId: facts.requestId, keyName: facts.keyName ?? null, purge };
    if (reach === 'failed') {
      this.logger.error(line, 'Cache purge did not reach Redis: purged in this instance only');
      throw new PurgeNotSharedError(facts.source);
    }
    this.metrics.recordPurge(facts.source, facts.scope);
    if (reach === 'memory-only') this.logger.info(line, 'Cache purge (no cache.redis: the memory tier of this instance only)');
    else this.logger.info(line, 'Cache purge');
  }
}
