import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { type HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';

import { HEALTH_SCHEMA_REF } from '../openapi/openapi-schemas.js';
import { cacheIndicator, configIndicator, type ReadinessInputs, sourcesIndicator } from './readiness.js';

export const READINESS_INPUTS = Symbol('READINESS_INPUTS');

/**
 * `GET /health/live` and `GET /health/ready` (no API key). Both answer terminus' JSON: 200 with `status` `ok` or
 * `degraded`, 503 with `status` `error` or `shutting_down` (the latter once a graceful shutdown has begun).
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(HealthCheckService) private readonly health: HealthCheckService,
    @Inject(HealthIndicatorService) private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_INPUTS) private readonly inputs: ReadinessInputs,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process answers (no dependency is checked)',
    description: 'For the orchestrator: 200 while the process serves, 503 once shutdown has started. No API key needed.',
  })
  @ApiOkResponse({ description: 'Alive', schema: { $ref: HEALTH_SCHEMA_REF } })
  @ApiServiceUnavailableResponse({ description: 'Shutting down', schema: { $ref: HEALTH_SCHEMA_REF } })
  async live(@Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, () => this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.floor(process.uptime()) })]));
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: configuration loaded and the cache reachable or degraded-but-serving',
    description:
      'The cache is `up` (Redis connected, or no Redis configured: `mode: memory-only`) or `degraded` (Redis unreachable: ' +
      'still 200 with `status: degraded`). Sources are reported with their circuit state for information only: an open ' +
      'circuit never makes the gateway unready.',
  })
  @ApiOkResponse({ description: 'Ready (`status` is `ok` or `degraded`)', schema: { $ref: HEALTH_SCHEMA_REF } })
  @ApiServiceUnavailableResponse({ description: 'Shutting down', schema: { $ref: HEALTH_SCHEMA_REF } })
  async ready(@Res() reply: FastifyReply): Promise<void> {
    await this.answer(reply, () =>
      this.health.check([
        () => configIndicator(this.indicators, this.inputs),
        () => cacheIndicator(this.indicators, this.inputs),
        () => sourcesIndicator(this.indicators, this.inputs),
      ]),
    );
  }

  /** A failed or shutting-down check is a health answer (503 with the same JSON), not an error of the gateway. */
  private async answer(reply: FastifyReply, check: () => Promise<HealthCheckResult>): Promise<void> {
    let status = 200;
    let body: unknown;
    try {
      body = await check();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      status = 503;
      body = error.getResponse();
    }
    await reply.status(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
  }
}
