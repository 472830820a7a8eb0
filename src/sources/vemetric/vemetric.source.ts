import type { SourceConfig } from '../../config/config.types.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import { anyText, matching } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import type { ProfileSourceFactory, SourceDependencies } from '../shared/source-factory.js';
import { VemetricClient } from './vemetric.client.js';
import { mapVemetricUser, VEMETRIC_UNSUPPORTED_FIELDS } from './vemetric.mapper.js';
import { vemetricUserResponseSchema } from './vemetric.types.js';

const ID_RULE = matching(/^\d{1,20}$/, '1 to 20 decimal digits');
const EXTERNAL_ID_RULE = anyText(256);

/** Kind `vemetric`: `GET /v1/users/single`; the only kind with `by=externalId` (its `identifier` lookup). */
export const vemetricSourceFactory: ProfileSourceFactory = {
  kind: 'vemetric',
  description: {
    upstream: 'Vemetric public API',
    request: 'GET {baseUrl}/v1/users/single?id=… (?identifier=… with by=externalId)',
    idRule: ID_RULE.description,
    externalIdRule: EXTERNAL_ID_RULE.description,
    membershipTypes: [],
    unsupportedFields: VEMETRIC_UNSUPPORTED_FIELDS,
    exampleConfig: { name: 'product-analytics', baseUrl: 'https://api.vemetric.com', token: '${VEMETRIC_API_KEY}' },
  },
  validateOptions: () => [],
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    const client = new VemetricClient(dependencies.http);
    return new MappedProfileSource(
      config.name,
      {
        kind: 'vemetric',
        idRule: ID_RULE,
        externalIdRule: EXTERNAL_ID_RULE,
        fetch: (lookup, context) => client.getUser(lookup, context),
        schema: vemetricUserResponseSchema,
        map: mapVemetricUser,
      },
      dependencies.onInvalidOptionalTimestamp,
    );
  },
};
