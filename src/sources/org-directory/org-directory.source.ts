import type { SourceConfig } from '../../config/config.types.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import { type IdRule, matching } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import type { ProfileSourceFactory, SourceDependencies } from '../shared/source-factory.js';
import { OrgDirectoryClient } from './org-directory.client.js';
import { mapOrgDirectoryUser, ORG_DIRECTORY_UNSUPPORTED_FIELDS } from './org-directory.mapper.js';
import { orgDirectoryUserSchema } from './org-directory.types.js';

/**
 * A positive integer of 1 to 15 digits (15 digits stay below 2^53, so the upstream's JSON number is exact).
 * Leading zeros are refused: `007` would reach the same upstream user as `7` but be cached under another key and
 * answer with an `id` that differs from the one asked for, so only the canonical decimal form is accepted.
 * `0` is refused as not positive.
 */
export const orgDirectoryIdRule: IdRule = matching(/^[1-9]\d{0,14}$/, 'a positive integer of 1 to 15 digits without leading zeros');

/** Kind `org-directory`: `GET /v2/users/{id}` with a numeric id; lookup by upstream id only, no options. */
export const orgDirectorySourceFactory: ProfileSourceFactory = {
  kind: 'org-directory',
  description: {
    upstream: 'organization user-directory API',
    request: 'GET {baseUrl}/v2/users/{id}',
    idRule: orgDirectoryIdRule.description,
    membershipTypes: ['organization', 'group'],
    unsupportedFields: ORG_DIRECTORY_UNSUPPORTED_FIELDS,
    exampleConfig: { name: 'access-directory', baseUrl: 'https://directory.example.nl', token: '${ORG_DIRECTORY_TOKEN}' },
  },
  validateOptions: () => [],
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    const client = new OrgDirectoryClient(dependencies.http);
    return new MappedProfileSource(
      config.name,
      {
        kind: 'org-directory',
        idRule: orgDirectoryIdRule,
        fetch: (lookup, context) => client.getUser(lookup.id, context),
        schema: orgDirectoryUserSchema,
        map: mapOrgDirectoryUser,
      },
      dependencies.onInvalidOptionalTimestamp,
    );
  },
};
