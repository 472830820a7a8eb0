import { Controller, Delete, HttpCode, Inject, Param, Query, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { ApiKeyGuard, RequiresAction } from '../auth/api-key.guard.js';
import { PurgeEntryRouteDocs, PurgeSourceRouteDocs } from '../openapi/purge-route.docs.js';
import { PurgeService } from './purge.service.js';

/**
 * `DELETE /profiles/:source/:id` and `DELETE /profiles/:source` (contract §8): 401 without a valid key, 429 when its
 * budget is spent, 403 when its `sources` do not cover the source or its `actions` lack `purge`, 404 SOURCE_NOT_FOUND,
 * 400 for an id its kind refuses; then 204, whether anything was cached or not.
 */
@Controller('profiles')
export class PurgeController {
  constructor(@Inject(PurgeService) private readonly purges: PurgeService) {}

  @Delete(':source/:id')
  @HttpCode(204)
  @UseGuards(ApiKeyGuard)
  @RequiresAction('purge')
  @PurgeEntryRouteDocs()
  async purgeEntry(@Param('source') source: string, @Param('id') id: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest): Promise<void> {
    await this.purges.purgeEntry({ source, id, by: query.by, keyName: request.facts?.keyName, requestId: String(request.id) });
  }

  @Delete(':source')
  @HttpCode(204)
  @UseGuards(ApiKeyGuard)
  @RequiresAction('purge')
  @PurgeSourceRouteDocs()
  async purgeSource(@Param('source') source: string, @Req() request: FastifyRequest): Promise<void> {
    await this.purges.purgeSource({ source, keyName: request.facts?.keyName, requestId: String(request.id) });
  }
}
