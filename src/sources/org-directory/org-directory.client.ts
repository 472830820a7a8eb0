import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext } from '../../profiles/profile-source.port.js';
import { encodePathSegment, type UpstreamHttp } from '../shared/upstream-http.contract.js';

/**
 * The 404 body is undocumented (probably Spring Boot's default, which looks the same for an unknown route):
 * every 404 is a missing user.
 */
export function isOrgDirectoryUserNotFound(_body: JsonValue | undefined): boolean {
  return true;
}

/** Transport only: `GET /v2/users/{id}`; returns the raw body. */
export class OrgDirectoryClient {
  constructor(private readonly http: UpstreamHttp) {}

  async getUser(id: string, context: FetchContext): Promise<JsonValue> {
    const response = await this.http.getJson({ path: `/v2/users/${encodePathSegment(id)}`, template: '/v2/users/{id}' }, context, { id, isProfileNotFound: isOrgDirectoryUserNotFound });
    return response.body;
  }
}
