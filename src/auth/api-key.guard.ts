import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ApiKeyConfig } from '../config/config.types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { RateLimitedError, UnauthorizedError } from '../profiles/profile.errors.js';
import { ApiKeyAuthenticator, bearerKeyOf } from './api-key.authenticator.js';
import { KeyRateLimiter, type RateLimitState } from './key-rate-limiter.js';

/**
 * `RateLimit-*` response headers (IETF draft "RateLimit header fields for HTTP", the widely deployed separate-field
 * form): `RateLimit-Limit` requests per window, `RateLimit-Remaining` left in this window, `RateLimit-Reset` seconds
 * until the window resets, and `RateLimit-Policy: <limit>;w=<window seconds>`.
 */
export function rateLimitHeaders(state: RateLimitState): Record<string, string> {
  return {
    'ratelimit-limit': String(state.limit),
    'ratelimit-remaining': String(state.remaining),
    'ratelimit-reset': String(state.resetSeconds),
    'ratelimit-policy': `${state.limit};w=${state.windowSeconds}`,
  };
}

const PER_LOOKUP_ACCESS = 'profile-gateway:per-lookup-access';

/**
 * On a route whose request names several sources (`POST /profiles/batch`), the guard only authenticates and leaves the
 * key on `request.apiKey`: the handler counts the request's lookups against the key's budget and checks the key's
 * scope per lookup.
 */
export const PerLookupAccess = (): MethodDecorator => SetMetadata(PER_LOOKUP_ACCESS, true);

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller key, on `PerLookupAccess` routes (undefined with `auth.disabled`). */
    apiKey?: ApiKeyConfig;
  }
}

/**
 * Caller authentication on the profile route, in this order:
 * 1. 401 `UNAUTHORIZED`: no `Authorization: Bearer <key>`, or a key that is not configured;
 * 2. 429 `RATE_LIMITED`: the key's budget is spent (every authenticated request counts, whatever it asks for);
 * 3. 403 `FORBIDDEN`: the key's `sources` allow neither `*` nor the `:source` of the URL (configured or not);
 * then the service answers, e.g. 404 `SOURCE_NOT_FOUND` for an unknown name read with a `*` key.
 * Keys with a `rateLimit` get the `RateLimit-*` headers on every answer of the route, errors included.
 * With `auth.disabled`, every request passes without a key and without a budget.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    @Inject(ApiKeyAuthenticator) private readonly authenticator: ApiKeyAuthenticator,
    @Inject(KeyRateLimiter) private readonly rateLimiter: KeyRateLimiter,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const source = (request.params as Record<string, string | undefined>).source ?? '';
    if (this.authenticator.disabled) return true;

    let key;
    try {
      key = this.authenticator.authenticate(request.headers.authorization);
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        this.metrics.recordAuthRejection(bearerKeyOf(request.headers.authorization) === undefined ? 'missing' : 'invalid');
      }
      throw error;
    }
    if (request.facts) request.facts.keyName = key.name;
    if (this.reflector.get<boolean | undefined>(PER_LOOKUP_ACCESS, context.getHandler())) {
      request.apiKey = key;
      return true;
    }

    const decision = await this.rateLimiter.consume(key);
    if (decision) {
      void reply.headers(rateLimitHeaders(decision.state));
      if (!decision.allowed) {
        this.metrics.recordRateLimited(key.name);
        throw new RateLimitedError(decision.retryAfterSeconds);
      }
    }

    try {
      this.authenticator.authorize(key, source);
    } catch (error) {
      this.metrics.recordAuthRejection('forbidden');
      throw error;
    }
    return true;
  }
}
