import type { SourceConfig } from '../../config/config.types.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import { anyText, matching } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import type { ProfileSourceFactory, SourceDependencies } from '../shared/source-factory.js';
import { VemetricClient } from './vemetric.client.js';
import { mapVemetricUser } from './vemetric.mapper.js';
import { vemetricUserResponseSchema } from './vemetric.types.js';

/** Kind `vemetric`: `GET /v1/users/single`; the only kind with `by=externalId` (its `identifier` lookup). */
export const vemetricSourceFactory: ProfileSourceFactory = {
  kind: 'vemetric',
  validateOptions: () => [],
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    const client = new VemetricClient(dependencies.http);
    return new MappedProfileSource(
      config.name,
      {
        kind: 'vemetric',
        idRule: matching(/^\d{1,20}$/, 'must be 1 to 20 decimal digits'),
        externalIdRule: anyText(256),
        fetch: (lookup, context) => client.getUser(lookup, context),
        schema: vemetricUserResponseSchema,
        map: mapVemetricUser,
      },
      dependencies.onInvalidOptionalTimestamp,
    );
  },
};
