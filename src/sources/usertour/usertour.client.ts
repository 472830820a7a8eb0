import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileLookup } from '../../profiles/profile-source.port.js';
import { encodePathSegment, type UpstreamHttp } from '../shared/upstream-http.contract.js';
import { USERTOUR_USER_NOT_FOUND_CODE, usertourErrorSchema } from './usertour.types.js';

/**
 * Always sent, as repeated `expand[]` pairs: Usertour does not split a comma-joined value (it answers 400).
 * `memberships.company` gives each membership its company, whose id is the customer's own company id.
 */
export const USERTOUR_EXPAND_QUERY: ReadonlyArray<readonly [string, string]> = [
  ['expand[]', 'memberships'],
  ['expand[]', 'memberships.company'],
];

/**
 * A 404 is a missing user only with `E1001`. Any other 404 (Nest's default `{"statusCode":404,...}` for an
 * unknown route) means the base URL is wrong.
 */
export function isUsertourUserNotFound(body: JsonValue | undefined): boolean {
  const parsed = usertourErrorSchema.safeParse(body);
  return parsed.success && parsed.data.error.code === USERTOUR_USER_NOT_FOUND_CODE;
}

/** Transport only: `GET /v1/users/{id}?expand[]=memberships&expand[]=memberships.company`; returns the raw body. */
export class UsertourClient {
  constructor(private readonly http: UpstreamHttp) {}

  async getUser(lookup: ProfileLookup, context: FetchContext): Promise<JsonValue> {
    const response = await this.http.getJson(
      { path: `/v1/users/${encodePathSegment(lookup.id)}`, query: USERTOUR_EXPAND_QUERY, template: '/v1/users/{id}' },
      context,
      { id: lookup.id, isProfileNotFound: isUsertourUserNotFound },
    );
    return response.body;
  }
}
