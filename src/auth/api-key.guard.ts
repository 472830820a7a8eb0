import { type CanActivate, type ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { ApiKeyAction, ApiKeyConfig } from '../config/config.types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { RateLimitedError, UnauthorizedError } from '../profiles/profile.errors.js';
import { ApiKeyAuthenticator, bearerKeyOf } from './api-key.authenticator.js';
import { KeyRateLimiter, type RateLimitState } from './key-rate-limiter.js';

/**
 * An RFC 8941 sf-string of a key name. The configuration already limits names to letters, digits, `.`, `-` and `_`;
 * this still escapes `"` and `\` and turns characters an sf-string cannot hold (outside visible ASCII and space) into
 * `?`, so the header parses whatever a name becomes. Names are informational here, never parsed back.
 */
function sfString(value: string): string {
  return `"${value.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Caller rate-limit headers of the IETF draft "RateLimit header fields for HTTP" (draft-ietf-httpapi-ratelimit-headers,
 * revision 10 and later), named after the key: `RateLimit-Policy: "<key name>";q=<limit>;w=<window s>` and
 * `RateLimit: "<key name>";r=<remaining>;t=<s until reset>`. Both are RFC 8941 Lists of one Item.
 */
export function rateLimitHeaders(keyName: string, state: RateLimitState): Record<string, string> {
  const name = sfString(keyName);
  return {
    'ratelimit-policy': `${name};q=${state.limit};w=${state.windowSeconds}`,
    ratelimit: `${name};r=${state.remaining};t=${state.resetSeconds}`,
  };
}

/**
 * Counts `requests` requests against the key's budget (a batch of N lookups counts N): sets `RateLimit` and
 * `RateLimit-Policy` on the answer for a key with a rate limit, and refuses a spent budget.
 * @throws RateLimitedError (429, counted in the metrics)
 */
export async function spendBudget(rateLimiter: KeyRateLimiter, metrics: GatewayMetrics, key: ApiKeyConfig, reply: FastifyReply, requests = 1): Promise<void> {
  const decision = await rateLimiter.consume(key, requests);
  if (!decision) return;
  void reply.headers(rateLimitHeaders(key.name, decision.state));
  if (!decision.allowed) {
    metrics.recordRateLimited(key.name);
    throw new RateLimitedError(decision.retryAfterSeconds);
  }
}

const PER_LOOKUP_ACCESS = 'profile-gateway:per-lookup-access';

/**
 * On a route whose request names several sources (`POST /profiles/batch`), the guard only authenticates and leaves the
 * key on `request.apiKey`: the handler counts the request's lookups against the key's budget and checks the key's
 * scope per lookup.
 */
export const PerLookupAccess = (): MethodDecorator => SetMetadata(PER_LOOKUP_ACCESS, true);

const REQUIRED_ACTION = 'profile-gateway:required-action';

/** The action of the key's `actions` a route needs (contract §6); routes without it need `read`. */
export const RequiresAction = (action: ApiKeyAction): MethodDecorator => SetMetadata(REQUIRED_ACTION, action);

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
 * 3. 403 `FORBIDDEN`: the key's `sources` allow neither `*` nor the `:source` of the URL (configured or not), or its
 *    `actions` lack the one the route needs (`RequiresAction`; `read` by default, `purge` on the purge routes);
 * then the service answers, e.g. 404 `SOURCE_NOT_FOUND` for an unknown name read with a `*` key.
 * Keys with a `rateLimit` get `RateLimit` and `RateLimit-Policy` on every answer of the route, errors included.
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

  /** Per handler: the action it needs and whether it checks access per lookup (read once, not on every request). */
  private readonly routeNeeds = new WeakMap<object, { action: ApiKeyAction; perLookup: boolean }>();

  /** Synchronous unless the key has a rate limit to count against (a hit pays no promise for the guard). */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
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
    const needs = this.needsOf(context.getHandler());
    if (needs.perLookup) {
      request.apiKey = key;
      return true;
    }
    const source = (request.params as Record<string, string | undefined>).source ?? '';
    if (!this.rateLimiter.limits(key)) return this.authorize(key, source, needs.action);
    return spendBudget(this.rateLimiter, this.metrics, key, http.getResponse<FastifyReply>()).then(() => this.authorize(key, source, needs.action));
  }

  private authorize(key: ApiKeyConfig, source: string, action: ApiKeyAction): true {
    try {
      this.authenticator.authorize(key, source, action);
    } catch (error) {
      this.metrics.recordAuthRejection('forbidden');
      throw error;
    }
    return true;
  }

  private needsOf(handler: object): { action: ApiKeyAction; perLookup: boolean } {
    let needs = this.routeNeeds.get(handler);
    if (!needs) {
      needs = {
        action: this.reflector.get<ApiKeyAction | undefined>(REQUIRED_ACTION, handler as () => void) ?? 'read',
        perLookup: this.reflector.get<boolean | undefined>(PER_LOOKUP_ACCESS, handler as () => void) === true,
      };
      this.routeNeeds.set(handler, needs);
    }
    return needs;
  }
}
