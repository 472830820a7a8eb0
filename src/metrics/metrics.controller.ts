import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { GatewayMetrics } from './gateway-metrics.js';

/** `GET /metrics`: Prometheus text format, no API key (restrict it at the network level). */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(GatewayMetrics) private readonly metrics: GatewayMetrics) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format 0.0.4)',
    description: 'Request, cache, upstream and process metrics for a Prometheus scrape. Labels never hold ids, keys or tokens. No API key needed.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Every gateway metric and the process metrics', schema: { type: 'string' } })
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    const text = await this.metrics.render();
    await reply.status(200).header('cache-control', 'no-store').type(this.metrics.contentType).send(text);
  }
}
