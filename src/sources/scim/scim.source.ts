import type { SourceConfig } from '../../config/config.types.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import { anyText } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import type { ProfileSourceFactory, SourceDependencies } from '../shared/source-factory.js';
import { ScimClient, singleResource } from './scim.client.js';
import { mapScimUser, SCIM_UNSUPPORTED_FIELDS } from './scim.mapper.js';
import { scimUserSchema } from './scim.types.js';

const ID_RULE = anyText(256);

/** Kind `scim`: any SCIM 2.0 service provider; `baseUrl` is its SCIM root. `by=externalId` is a filter on `externalId`. */
export const scimSourceFactory: ProfileSourceFactory = {
  kind: 'scim',
  description: {
    upstream: 'any SCIM 2.0 service provider (RFC 7643, RFC 7644)',
    request: 'GET {baseUrl}/Users/{id} (GET {baseUrl}/Users?filter=externalId eq "…"&count=2 with by=externalId)',
    idRule: ID_RULE.description,
    externalIdRule: ID_RULE.description,
    membershipTypes: ['department', 'organization', 'group'],
    unsupportedFields: SCIM_UNSUPPORTED_FIELDS,
    exampleConfig: { name: 'workforce-idp', baseUrl: 'https://idp.example.com/scim/v2', token: '${IDP_SCIM_TOKEN}' },
  },
  validateOptions: () => [],
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    const client = new ScimClient(dependencies.http);
    return new MappedProfileSource(
      config.name,
      {
        kind: 'scim',
        idRule: ID_RULE,
        externalIdRule: ID_RULE,
        fetch: (lookup, context) => client.getUser(lookup, context),
        select: (body, lookup) => (lookup.by === 'externalId' ? singleResource(config.name, lookup.id, body) : body),
        schema: scimUserSchema,
        map: mapScimUser,
      },
      dependencies.onInvalidOptionalTimestamp,
    );
  },
};
