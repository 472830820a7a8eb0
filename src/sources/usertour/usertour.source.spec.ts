import { jest } from '@jest/globals';

import { usertourContractExample, usertourErrorBodies, usertourNoExpand } from '../../../test/fixtures/usertour/usertour.fixtures.js';
import type { SourceConfig } from '../../config/config.types.js';
import {
  LookupNotSupportedError,
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
  UpstreamFailureError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileSource } from '../../profiles/profile-source.port.js';
import { encodeQuery, type NotFoundRule, type UpstreamHttp } from '../shared/upstream-http.contract.js';
import { classifyResponse } from '../shared/upstream-response.js';
import { isUsertourUserNotFound } from './usertour.client.js';
import { usertourSourceFactory } from './usertour.source.js';

/** The factory reads only the name; transport settings belong to the `UpstreamHttp` it is given. */
const config = { name: 'crm-usertour', kind: 'usertour', baseUrl: 'https://api.usertour.io', token: 'ak_x', options: {} } as Partial<SourceConfig> as SourceConfig;

const context: FetchContext = { requestId: 'req-1' };

function setup(body: JsonValue = usertourNoExpand): {
  sut: ProfileSource;
  getJson: jest.Mock<UpstreamHttp['getJson']>;
  onInvalidOptionalTimestamp: jest.Mock<(field: string, value: unknown) => void>;
} {
  const getJson = jest.fn<UpstreamHttp['getJson']>().mockResolvedValue({ status: 200, headers: {}, body });
  const onInvalidOptionalTimestamp = jest.fn<(field: string, value: unknown) => void>();
  const sut = usertourSourceFactory.create(config, { http: { getJson }, onInvalidOptionalTimestamp });
  return { sut, getJson, onInvalidOptionalTimestamp };
}

/** The not-found rule the source handed to the transport on its last call. */
function lastNotFoundRule(getJson: jest.Mock<UpstreamHttp['getJson']>): NotFoundRule {
  const call = getJson.mock.calls.at(-1);
  if (!call) throw new Error('getJson was not called');
  return call[2];
}

describe('usertourSourceFactory', () => {
  it('should be the factory of kind usertour with no options to check', () => {
    expect(usertourSourceFactory.kind).toBe('usertour');
    expect(usertourSourceFactory.validateOptions({})).toStrictEqual([]);
  });

  it('should create a source named after the configuration', () => {
    const { sut } = setup();

    expect(sut.name).toBe('crm-usertour');
    expect(sut.kind).toBe('usertour');
  });
});

describe('validateLookup', () => {
  it('should reject by=externalId as not supported, even for a valid id', () => {
    const { sut } = setup();

    expect(() => sut.validateLookup({ id: 'usr_123456789', by: 'externalId' })).toThrow(LookupNotSupportedError);
  });

  it('should name the source, the kind and the lookup when by=externalId is rejected', () => {
    const { sut } = setup();

    let thrown: unknown;
    try {
      sut.validateLookup({ id: 'x', by: 'externalId' });
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toMatchObject({ code: 'LOOKUP_NOT_SUPPORTED', source: 'crm-usertour' });
    expect((thrown as Error).message).toBe('Source crm-usertour (kind usertour) does not support by=externalId');
  });
});

describe('fetchProfile', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('should request /v1/users/{id} with both expand[] values as repeated pairs', async () => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id: 'usr_123456789', by: 'id' }, context);

    expect(getJson).toHaveBeenCalledTimes(1);
    expect(getJson).toHaveBeenCalledWith(
      {
        path: '/v1/users/usr_123456789',
        query: [
          ['expand[]', 'memberships'],
          ['expand[]', 'memberships.company'],
        ],
        template: '/v1/users/{id}',
      },
      context,
      { id: 'usr_123456789', isProfileNotFound: expect.any(Function) },
    );
  });

  it('should put the expand values on the wire as two pairs, never comma-joined', async () => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id: 'u', by: 'id' }, context);

    const query = getJson.mock.calls[0]?.[0].query;
    expect(encodeQuery(query)).toBe('?expand%5B%5D=memberships&expand%5B%5D=memberships.company');
  });

  it('should return the mapped profile with the fetch time and the raw body as received', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-22T10:00:00.000Z') });
    const { sut } = setup(usertourContractExample);

    const fetched = await sut.fetchProfile({ id: 'usr_123456789', by: 'id' }, context);

    expect(fetched.raw).toBe(usertourContractExample);
    expect(fetched.profile.meta).toStrictEqual({
      kind: 'usertour',
      fetchedAt: '2026-11-22T10:00:00.000Z',
      unsupportedFields: expect.any(Array),
    });
    expect(fetched.profile.source).toBe('crm-usertour');
    expect(fetched.profile.memberships).toStrictEqual([
      { id: 'acme-corp', name: 'Acme Corp', type: 'company', role: 'admin', description: null, attributes: { name: 'Acme Corp', domain: 'acme.com' } },
    ]);
    expect(fetched.profile).not.toHaveProperty('raw');
  });

  it.each([
    ['a body that is not an object', 'hello'],
    ['a user without id', { ...usertourNoExpand, id: null }],
    ['a user without createdAt', { ...usertourNoExpand, createdAt: null }],
    ['memberships that are not a list', { ...usertourNoExpand, memberships: 'none' }],
    ['an error envelope sent with 200', usertourErrorBodies.userNotFound],
  ])('should fail with UPSTREAM_BAD_RESPONSE for %s', async (_case, body) => {
    const { sut } = setup(body);

    const promise = sut.fetchProfile({ id: 'usr_123456789', by: 'id' }, context);

    await expect(promise).rejects.toBeInstanceOf(UpstreamBadResponseError);
    await expect(promise).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'crm-usertour', upstreamStatus: 200 });
  });

  it('should fail with UPSTREAM_BAD_RESPONSE when the required createdAt cannot be parsed', async () => {
    const { sut, onInvalidOptionalTimestamp } = setup({ ...usertourNoExpand, createdAt: '20/03/2024' });

    await expect(sut.fetchProfile({ id: 'usr_123456789', by: 'id' }, context)).rejects.toThrow(/createdAt is not a timestamp/);
    expect(onInvalidOptionalTimestamp).not.toHaveBeenCalled();
  });

  it('should pass transport errors through unchanged', async () => {
    const { sut, getJson } = setup();
    const failure = new UpstreamAuthFailedError('crm-usertour', 403);
    getJson.mockRejectedValueOnce(failure);

    await expect(sut.fetchProfile({ id: 'usr_123456789', by: 'id' }, context)).rejects.toBe(failure);
  });

  describe('not-found rule', () => {
    async function classify404(body: string): Promise<unknown> {
      const { sut, getJson } = setup();
      await sut.fetchProfile({ id: 'usr_404', by: 'id' }, context);
      const rule = lastNotFoundRule(getJson);
      try {
        classifyResponse('crm-usertour', { status: 404, headers: {}, text: body }, rule, Date.now());
      } catch (error) {
        return error;
      }
      throw new Error('classifyResponse did not throw');
    }

    it('should treat a 404 with code E1001 as profile not found', async () => {
      const error = await classify404(JSON.stringify(usertourErrorBodies.userNotFound));

      expect(error).toBeInstanceOf(ProfileNotFoundError);
      expect(error).toMatchObject({ code: 'PROFILE_NOT_FOUND', source: 'crm-usertour' });
    });

    it("should treat Nest's default route 404 as a wrong base URL, not a missing profile", async () => {
      const error = await classify404(JSON.stringify(usertourErrorBodies.routeNotFound));

      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 404 });
    });

    it('should not treat a non-JSON 404 as a missing profile', async () => {
      const error = await classify404('<html><body>404 Not Found</body></html>');

      expect(error).toBeInstanceOf(UpstreamFailureError);
    });
  });
});

describe('isUsertourUserNotFound', () => {
  it.each([
    ['E1001', true, usertourErrorBodies.userNotFound],
    ['E1001 without doc_url', true, { error: { code: 'E1001', message: 'User not found' } }],
    ['E1000', false, usertourErrorBodies.invalidApiKey],
    ["Nest's default 404", false, usertourErrorBodies.routeNotFound],
    ['an empty object', false, {}],
    ['no body', false, undefined],
    ['a string', false, 'User not found'],
  ])('should classify %s as user-not-found: %s', (_case, expected, body) => {
    expect(isUsertourUserNotFound(body as JsonValue | undefined)).toBe(expected);
  });
});
