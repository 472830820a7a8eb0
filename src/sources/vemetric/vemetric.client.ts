import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileLookup } from '../../profiles/profile-source.port.js';
import type { UpstreamHttp } from '../shared/upstream-http.contract.js';
import { vemetricErrorSchema } from './vemetric.types.js';

/**
 * A 404 is a missing user only with `USER_NOT_FOUND`. `NOT_FOUND` is an unknown route, and a 404 without
 * Vemetric's envelope (e.g. a web server's page) comes from something else: both mean a wrong base URL.
 */
export function isVemetricUserNotFound(body: JsonValue | undefined): boolean {
  const parsed = vemetricErrorSchema.safeParse(body);
  return parsed.success && parsed.data.error.code === 'USER_NOT_FOUND';
}

/** Transport only: `GET /v1/users/single?id=…` or `?identifier=…`; returns the raw body. */
export class VemetricClient {
  constructor(private readonly http: UpstreamHttp) {}

  async getUser(lookup: ProfileLookup, context: FetchContext): Promise<JsonValue> {
    const param = lookup.by === 'externalId' ? 'identifier' : 'id';
    const response = await this.http.getJson(
      { path: '/v1/users/single', query: [[param, lookup.id]], template: `/v1/users/single?${param}={id}` },
      context,
      { id: lookup.id, isProfileNotFound: isVemetricUserNotFound },
    );
    return response.body;
  }
}
