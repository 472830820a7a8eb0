import type { SourceConfig } from '../../config/config.types.js';
import type { ProfileSource, ProfileSourceFactory, SourceDependencies } from '../../profiles/profile-source.port.js';
import { type IdRule, matching } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import { ScalepadAmmClient } from './scalepad-amm.client.js';
import { mapScalepadAmmUser,SCALEPAD_AMM_UNSUPPORTED_FIELDS } from './scalepad-amm.mapper.js';
import { scalepadAmmUserSchema } from './scalepad-amm.types.js';

/**
 * 36 characters shaped 8-4-4-4-12 of ASCII letters and digits. Deliberately not a strict UUID check: the vendor's
 * own example id `c3f19253-26g4-6129-c461-215h9658429d` has non-hex letters.
 */
const UUID_LIKE = /^[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}$/;
const UUID_LIKE_DESCRIPTION = 'must be 36 characters shaped 8-4-4-4-12 of ASCII letters and digits';

/** Rule for the `:id` of the URL (and for the configured `clientId`). */
export const scalepadAmmIdRule: IdRule = matching(UUID_LIKE, UUID_LIKE_DESCRIPTION);

function validateScalepadAmmOptions(options: Record<string, unknown>): { path: string; message: string }[] {
  const clientId = options.clientId;
  if (clientId === undefined || clientId === null || clientId === '') return [{ path: 'clientId', message: 'is required for kind scalepad-amm' }];
  if (typeof clientId !== 'string') return [{ path: 'clientId', message: `must be a string that ${UUID_LIKE_DESCRIPTION}` }];
  const problem = scalepadAmmIdRule(clientId);
  return problem === null ? [] : [{ path: 'clientId', message: problem }];
}

/**
 * Kind `scalepad-amm`: `GET /v2/clients/{clientId}/users/{id}`. Each configured source is one AMM client
 * (`clientId` option); lookup by upstream id only.
 */
export const scalepadAmmSourceFactory: ProfileSourceFactory = {
  kind: 'scalepad-amm',
  description: {
    upstream: 'ScalePad AMM users API (v2)',
    request: 'GET {baseUrl}/v2/clients/{clientId}/users/{id}',
    idRule: '36 characters shaped 8-4-4-4-12 of ASCII letters and digits',
    membershipTypes: ['department'],
    unsupportedFields: SCALEPAD_AMM_UNSUPPORTED_FIELDS,
    exampleConfig: {
      name: 'endpoint-agents',
      baseUrl: 'https://api.example.com',
      token: '${AMM_API_TOKEN}',
      options: { clientId: 'aa7cf840-9ca9-46a3-9778-9015d6580d50' },
    },
  },
  validateOptions: validateScalepadAmmOptions,
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    const problems = validateScalepadAmmOptions(config.options);
    if (problems.length > 0) {
      throw new Error(`Source ${config.name}: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`);
    }
    const client = new ScalepadAmmClient(dependencies.http, config.options.clientId ?? '');
    return new MappedProfileSource(
      config.name,
      {
        kind: 'scalepad-amm',
        idRule: scalepadAmmIdRule,
        fetch: (lookup, context) => client.getUser(lookup.id, context),
        schema: scalepadAmmUserSchema,
        map: mapScalepadAmmUser,
      },
      dependencies.onInvalidOptionalTimestamp,
    );
  },
};
