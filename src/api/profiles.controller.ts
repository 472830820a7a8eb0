import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { bodyWithRaw } from '../cache/cache-entry.js';
import { cacheStatusOf } from '../cache/cache-outcome.js';
import { type CacheAnswer, CachedNotFoundError, type CacheFacts } from '../cache/index.js';
import { recordUpstreamAttempt } from '../metrics/request-context.js';
import { ProfileRouteDocs } from '../openapi/profile-route.docs.js';
import { kindDescriptions } from '../sources/source-registry.js';
import { cacheDirectivesOf } from './cache-directive.js';
import { ifNoneMatchMatches } from './if-none-match.js';
import { ProfilesService } from './profiles.service.js';

/** `include=raw` (also inside a comma-separated list, or repeated). */
function includesRaw(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => typeof v === 'string' && v.split(',').some((part) => part.trim() === 'raw'));
}

/**
 * The caching headers of an answer, a profile or a cached 404 (contract v2), all derived from the cache's typed
 * outcome; the outcome also goes to the request's facts, for the request log and metrics.
 */
function writeCacheHeaders(request: FastifyRequest, reply: FastifyReply, facts: CacheFacts): void {
  const cacheStatus = cacheStatusOf(facts.outcome);
  if (request.facts) {
    request.facts.cacheOutcome = facts.outcome;
    request.facts.cacheStatus = cacheStatus;
  }
  void reply.headers({
    'cache-control': `private, max-age=${facts.maxAgeSeconds}`,
    age: String(facts.ageSeconds),
    'cache-status': cacheStatus,
  });
}

@Controller('profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get(':source/:id')
  @UseGuards(ApiKeyGuard)
  @ProfileRouteDocs(kindDescriptions())
  // The params and the query are read from the request itself: Nest's `@Param`/`@Query` extraction costs more per
  // hit than the lookup.
  async getProfile(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { source, id } = request.params as { source: string; id: string };
    const query = request.query as Record<string, unknown>;
    const facts = request.facts;
    let answer: CacheAnswer;
    try {
      answer = await this.profiles.getProfile({
        source,
        id,
        by: query.by,
        directives: cacheDirectivesOf(request.headers['cache-control']),
        requestId: String(request.id),
        onUpstreamAttempt: (status) => recordUpstreamAttempt(facts, status),
      });
    } catch (error) {
      // A 404 from the cache carries its caching headers too; `ProblemFilter` writes the rest.
      if (error instanceof CachedNotFoundError) writeCacheHeaders(request, reply, error.facts);
      throw error;
    }
    const { entry } = answer;
    writeCacheHeaders(request, reply, answer);
    void reply.header('etag', entry.etag);
    if (ifNoneMatchMatches(request.headers['if-none-match'], entry.etag)) {
      await reply.status(304).send();
      return;
    }
    const body = includesRaw(query.include) ? bodyWithRaw(entry) : entry.body;
    await reply.status(200).type('application/json; charset=utf-8').send(body);
  }
}
