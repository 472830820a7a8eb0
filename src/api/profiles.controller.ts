import { Controller, Get, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiKeyGuard } from '../auth/api-key.guard.js';
import { ProfileRouteDocs } from '../openapi/profile-route.docs.js';
import { kindDescriptions } from '../sources/source-registry.js';
import { cacheDirectiveOf } from './cache-directive.js';
import { ifNoneMatchMatches } from './if-none-match.js';
import { profileBodyOf } from './profile-body.js';
import { ProfilesService } from './profiles.service.js';

/** `include=raw` (also inside a comma-separated list, or repeated). */
function includesRaw(value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  return values.some((v) => typeof v === 'string' && v.split(',').some((part) => part.trim() === 'raw'));
}

@Controller('profiles')
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get(':source/:id')
  @UseGuards(ApiKeyGuard)
  @ProfileRouteDocs(kindDescriptions())
  async getProfile(
    @Param('source') source: string,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const answer = await this.profiles.getProfile({
      source,
      id,
      by: query.by,
      directive: cacheDirectiveOf(request.headers['cache-control']),
      requestId: String(request.id),
    });
    const { entry } = answer;
    void reply.headers({
      etag: entry.etag,
      'cache-control': `private, max-age=${answer.maxAgeSeconds}`,
      age: String(answer.ageSeconds),
      'cache-status': answer.cacheStatus,
    });
    if (ifNoneMatchMatches(request.headers['if-none-match'], entry.etag)) {
      await reply.status(304).send();
      return;
    }
    const body = includesRaw(query.include) ? JSON.stringify({ ...entry.profile, raw: entry.raw }) : profileBodyOf(entry);
    await reply.status(200).type('application/json; charset=utf-8').send(body);
  }
}
