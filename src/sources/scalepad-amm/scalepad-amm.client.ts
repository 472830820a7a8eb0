import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext } from '../../profiles/profile-source.port.js';
import { encodePathSegment, type UpstreamHttp } from '../shared/upstream-http.contract.js';
import { scalepadAmmErrorSchema } from './scalepad-amm.types.js';

/** NestJS's own answer for a route it does not have (Express: `Cannot GET /x`, Fastify: `Route GET:/x not found`). */
const NEST_ROUTE_MISS = /^(?:Cannot [A-Z]+ \/|Route [A-Z]+:\/.* not found$)/;

/**
 * The upstream answers 404 both for an unknown user and for an unknown client, and the error body is not
 * documented: every 404 is a missing profile, except NestJS's route-miss body, which means the base URL is wrong
 * (an operator problem that must not be cached as a missing user).
 */
export function isScalepadAmmUserNotFound(body: JsonValue | undefined): boolean {
  const parsed = scalepadAmmErrorSchema.safeParse(body);
  return !parsed.success || typeof parsed.data.message !== 'string' || !NEST_ROUTE_MISS.test(parsed.data.message);
}

/** Transport only: `GET /v2/clients/{clientId}/users/{id}` for the client this source is bound to; returns the raw body. */
export class ScalepadAmmClient {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly clientId: string,
  ) {}

  async getUser(id: string, context: FetchContext): Promise<JsonValue> {
    const path = `/v2/clients/${encodePathSegment(this.clientId)}/users/${encodePathSegment(id)}`;
    const response = await this.http.getJson({ path, template: '/v2/clients/{clientId}/users/{id}' }, context, { id, isProfileNotFound: isScalepadAmmUserNotFound });
    return response.body;
  }
}
