import { Controller, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ApiKeyGuard, PerLookupAccess, spendBudget } from '../auth/api-key.guard.js';
import { KeyRateLimiter } from '../auth/key-rate-limiter.js';
import { UnsupportedMediaTypeError } from '../common/request-errors.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { recordUpstreamAttempt } from '../metrics/request-context.js';
import { BatchRouteDocs } from '../openapi/batch-route.docs.js';
import { DomainError } from '../profiles/profile.errors.js';
import { parseBatchRequest } from './batch.dto.js';
import { BATCH_OPTIONS, type BatchOptions } from './batch.options.js';
import { type BatchItemResult, BatchService } from './batch.service.js';
import { cacheDirectivesOf } from './cache-directive.js';

/** `application/json`, with or without parameters (`; charset=utf-8`). */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

function statusCounts(results: readonly BatchItemResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  return counts;
}

/**
 * `POST /profiles/batch` (contract §7), in this order: 401 without a valid key; 415 for a body that is not
 * `application/json` (413 over 256 KiB comes from the body parser); 400 `VALIDATION_ERROR` for a body that breaks the
 * rules (nothing is looked up); 429 when fewer than N requests are left of the key's budget (nothing is spent); then
 * 200 with one result per lookup, in request order.
 */
@Controller('profiles')
export class BatchController {
  constructor(
    @Inject(BatchService) private readonly batch: BatchService,
    @Inject(KeyRateLimiter) private readonly rateLimiter: KeyRateLimiter,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
    @Inject(BATCH_OPTIONS) private readonly options: BatchOptions,
  ) {}

  @Post('batch')
  @HttpCode(200)
  @UseGuards(ApiKeyGuard)
  @PerLookupAccess()
  @BatchRouteDocs()
  async lookUp(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    try {
      await this.answer(request, reply);
      this.metrics.recordBatchRequest(request.apiKey?.name, 'ok');
    } catch (error) {
      this.metrics.recordBatchRequest(request.apiKey?.name, error instanceof DomainError ? error.code : 'INTERNAL_ERROR');
      throw error;
    }
  }

  private async answer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const contentType = request.headers['content-type'];
    if (typeof contentType !== 'string' || !JSON_MEDIA_TYPE.test(contentType)) throw new UnsupportedMediaTypeError();
    const batch = parseBatchRequest(request.body, this.options.maxLookups);
    const key = request.apiKey;
    if (key) await spendBudget(this.rateLimiter, this.metrics, key, reply, batch.lookups.length);
    const facts = request.facts;
    const results = await this.batch.run(batch, {
      key,
      directives: cacheDirectivesOf(request.headers['cache-control']),
      requestId: String(request.id),
      onUpstreamAttempt: (status) => recordUpstreamAttempt(facts, status),
    });
    for (const result of results) {
      this.metrics.recordProfileRequest({
        source: result.lookup.source,
        keyName: key?.name,
        status: result.status,
        problemCode: result.problemCode,
        cacheOutcome: result.cacheOutcome,
        durationMs: result.durationMs,
      });
    }
    this.metrics.recordBatchSize(batch.lookups.length);
    if (request.facts) request.facts.batch = { size: results.length, statuses: statusCounts(results) };
    const body = `{"results":[${results.map((result) => result.json).join(',')}]}`;
    await reply.status(200).type('application/json; charset=utf-8').send(body);
  }
}
