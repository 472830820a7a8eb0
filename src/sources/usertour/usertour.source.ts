import type { SourceConfig } from '../../config/config.types.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import { anyText } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import type { ProfileSourceFactory, SourceDependencies } from '../shared/source-factory.js';
import { UsertourClient } from './usertour.client.js';
import { mapUsertourUser, USERTOUR_UNSUPPORTED_FIELDS } from './usertour.mapper.js';
import { usertourUserResponseSchema } from './usertour.types.js';

const ID_RULE = anyText(256);

/**
 * Kind `usertour`: `GET /v1/users/{id}`. The `:id` is already the customer's own id, so there is no
 * `by=externalId` lookup.
 */
export const usertourSourceFactory: ProfileSourceFactory = {
  kind: 'usertour',
  description: {
    upstream: 'Usertour v1 users API',
    request: 'GET {baseUrl}/v1/users/{id}?expand[]=memberships&expand[]=memberships.company',
    idRule: ID_RULE.description,
    membershipTypes: ['company'],
    unsupportedFields: USERTOUR_UNSUPPORTED_FIELDS,
    exampleConfig: { name: 'crm-usertour', baseUrl: 'https://api.usertour.io', token: '${USERTOUR_API_KEY}' },
  },
  validateOptions: () => [],
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    const client = new UsertourClient(dependencies.http);
    return new MappedProfileSource(
      config.name,
      {
        kind: 'usertour',
        idRule: ID_RULE,
        fetch: (lookup, context) => client.getUser(lookup, context),
        schema: usertourUserResponseSchema,
        map: mapUsertourUser,
      },
      dependencies.onInvalidOptionalTimestamp,
    );
  },
};
