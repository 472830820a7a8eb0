import type { SourceConfig } from '../../config/config.types.js';
import { kindOptions } from '../../config/kind-options.js';
import { Check } from '../../config/validation.js';
import type { ProfileSource } from '../../profiles/profile-source.port.js';
import { type IdRule, matching } from '../shared/id-rules.js';
import { MappedProfileSource } from '../shared/mapped-source.js';
import type { ProfileSourceFactory, SourceDependencies } from '../shared/source-factory.js';
import { ScalepadAmmClient } from './scalepad-amm.client.js';
import { mapScalepadAmmUser, SCALEPAD_AMM_UNSUPPORTED_FIELDS } from './scalepad-amm.mapper.js';
import { scalepadAmmUserSchema } from './scalepad-amm.types.js';

/**
 * 36 characters shaped 8-4-4-4-12 of ASCII letters and digits. Deliberately not a strict UUID check: the vendor's
 * own example id `c3f19253-26g4-6129-c461-215h9658429d` has non-hex letters.
 */
const UUID_LIKE = /^[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}$/;
const UUID_LIKE_DESCRIPTION = '36 characters shaped 8-4-4-4-12 of ASCII letters and digits';

/** Rule for the `:id` of the URL (and for the configured `clientId`). */
export const scalepadAmmIdRule: IdRule = matching(UUID_LIKE, UUID_LIKE_DESCRIPTION);

function clientIdProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return 'is required for kind scalepad-amm';
  if (typeof value !== 'string') return `must be a string of ${UUID_LIKE_DESCRIPTION}`;
  return scalepadAmmIdRule(value) ?? undefined;
}

/** Options of kind `scalepad-amm`: the AMM client the source is bound to. */
export class ScalepadAmmOptions {
  @Check('isClientId', clientIdProblem, { checksAbsent: true }) clientId!: string;
}

const scalepadAmmOptions = kindOptions(ScalepadAmmOptions);

/**
 * Kind `scalepad-amm`: `GET /v2/clients/{clientId}/users/{id}`. Each configured source is one AMM client
 * (`clientId` option); lookup by upstream id only.
 */
export const scalepadAmmSourceFactory: ProfileSourceFactory = {
  kind: 'scalepad-amm',
  description: {
    upstream: 'ScalePad AMM users API (v2)',
    request: 'GET {baseUrl}/v2/clients/{clientId}/users/{id}',
    idRule: scalepadAmmIdRule.description,
    membershipTypes: ['department'],
    unsupportedFields: SCALEPAD_AMM_UNSUPPORTED_FIELDS,
    exampleConfig: {
      name: 'endpoint-agents',
      baseUrl: 'https://api.example.com',
      token: '${AMM_API_TOKEN}',
      options: { clientId: 'aa7cf840-9ca9-46a3-9778-9015d6580d50' },
    },
  },
  validateOptions: (options) => scalepadAmmOptions.validate(options),
  create(config: SourceConfig, dependencies: SourceDependencies): ProfileSource {
    // Validated once, when the configuration was loaded.
    const { clientId } = scalepadAmmOptions.read(config.options);
    const client = new ScalepadAmmClient(dependencies.http, clientId);
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
