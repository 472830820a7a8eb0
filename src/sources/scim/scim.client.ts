import { LookupAmbiguousError, ProfileNotFoundError } from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileLookup } from '../../profiles/profile-source.port.js';
import { parseUpstreamBody } from '../shared/mapping.js';
import { encodePathSegment, type UpstreamHttp } from '../shared/upstream-http.contract.js';
import { SCIM_ACCEPT, scimErrorSchema, scimListResponseSchema } from './scim.types.js';

/** A 404 is a missing user only with a SCIM Error body; any other 404 comes from something else (a wrong base URL). */
export function isScimUserNotFound(body: JsonValue | undefined): boolean {
  return scimErrorSchema.safeParse(body).success;
}

/** A SCIM string literal (RFC 7644 §3.4.2.2, JSON string rules): `"` and `\` escaped. */
export function scimString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** The filter of a `by=externalId` lookup. */
export function externalIdFilter(externalId: string): string {
  return `externalId eq ${scimString(externalId)}`;
}

/**
 * The one User of a `by=externalId` query response.
 * @throws ProfileNotFoundError when nothing matched
 * @throws LookupAmbiguousError when more than one user matched (more than one resource, or a larger `totalResults`)
 * @throws UpstreamBodyError when the body is not a query response
 */
export function singleResource(source: string, externalId: string, body: JsonValue): JsonValue {
  const list = parseUpstreamBody(scimListResponseSchema, body);
  const resources = list.Resources ?? [];
  if (resources.length > 1 || list.totalResults > 1) throw new LookupAmbiguousError(source, externalId);
  const [resource] = resources;
  if (resource === undefined) throw new ProfileNotFoundError(source, externalId);
  return resource;
}

/**
 * Transport only: `GET /Users/{id}`, or `GET /Users?filter=externalId eq "…"&count=2` for `by=externalId` (two are
 * enough to tell one match from several); returns the raw body.
 */
export class ScimClient {
  constructor(private readonly http: UpstreamHttp) {}

  async getUser(lookup: ProfileLookup, context: FetchContext): Promise<JsonValue> {
    const request =
      lookup.by === 'externalId'
        ? {
            path: '/Users',
            query: [['filter', externalIdFilter(lookup.id)], ['count', '2']] as const,
            accept: SCIM_ACCEPT,
            template: '/Users?filter=externalId eq {id}&count=2',
          }
        : { path: `/Users/${encodePathSegment(lookup.id)}`, accept: SCIM_ACCEPT, template: '/Users/{id}' };
    const response = await this.http.getJson(request, context, { id: lookup.id, isProfileNotFound: isScimUserNotFound });
    return response.body;
  }
}
