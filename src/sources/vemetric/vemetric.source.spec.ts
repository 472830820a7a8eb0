import { jest } from '@jest/globals';

import { vemetricErrorBodies, vemetricIdentified, vemetricMaxId } from '../../../test/fixtures/vemetric/vemetric.fixtures.js';
import type { SourceConfig } from '../../config/config.types.js';
import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRejectedIdError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, LookupBy, ProfileSource } from '../../profiles/profile-source.port.js';
import { encodeQuery, type UpstreamHttp } from '../shared/upstream-http.contract.js';
import { classifyResponse } from '../shared/upstream-response.js';
import { isVemetricUserNotFound } from './vemetric.client.js';
import { vemetricSourceFactory } from './vemetric.source.js';

/** The factory reads only the name; transport settings belong to the `UpstreamHttp` it is given. */
const config = { name: 'product-analytics', kind: 'vemetric', baseUrl: 'https://api.vemetric.com', token: 'vem_x', options: {} } as Partial<SourceConfig> as SourceConfig;

const context: FetchContext = { requestId: 'req-1' };

function setup(body: JsonValue = vemetricIdentified): {
  sut: ProfileSource;
  getJson: jest.Mock<UpstreamHttp['getJson']>;
  onInvalidOptionalTimestamp: jest.Mock<(field: string, value: unknown) => void>;
} {
  const getJson = jest.fn<UpstreamHttp['getJson']>().mockResolvedValue({ status: 200, headers: {}, body });
  const onInvalidOptionalTimestamp = jest.fn<(field: string, value: unknown) => void>();
  const sut = vemetricSourceFactory.create(config, { http: { getJson }, onInvalidOptionalTimestamp });
  return { sut, getJson, onInvalidOptionalTimestamp };
}

describe('vemetricSourceFactory', () => {
  it('should be the factory of kind vemetric with no options to check', () => {
    expect(vemetricSourceFactory.kind).toBe('vemetric');
    expect(vemetricSourceFactory.validateOptions({})).toStrictEqual([]);
  });

  it('should create a source named after the configuration', () => {
    const { sut } = setup();

    expect(sut.name).toBe('product-analytics');
    expect(sut.kind).toBe('vemetric');
  });
});

describe('fetchProfile', () => {
  it('should request /v1/users/single?id= for by=id', async () => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id: '15241578750190521233', by: 'id' }, context);

    expect(getJson).toHaveBeenCalledTimes(1);
    expect(getJson).toHaveBeenCalledWith({ path: '/v1/users/single', query: [['id', '15241578750190521233']], template: '/v1/users/single?id={id}' }, context, {
      id: '15241578750190521233',
      isProfileNotFound: expect.any(Function),
    });
  });

  it('should request /v1/users/single?identifier= for by=externalId', async () => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id: 'user-3', by: 'externalId' }, context);

    expect(getJson).toHaveBeenCalledWith({ path: '/v1/users/single', query: [['identifier', 'user-3']], template: '/v1/users/single?identifier={id}' }, context, {
      id: 'user-3',
      isProfileNotFound: expect.any(Function),
    });
  });

  it('should encode an identifier with reserved characters as one query value', async () => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id: 'a&id=1 b/ü', by: 'externalId' }, context);

    expect(encodeQuery(getJson.mock.calls[0]?.[0].query)).toBe('?identifier=a%26id%3D1%20b%2F%C3%BC');
  });

  it('should return the mapped profile and the raw body as received', async () => {
    const { sut } = setup(vemetricMaxId);

    const fetched = await sut.fetchProfile({ id: '18446744073709551615', by: 'id' }, context);

    expect(fetched.raw).toBe(vemetricMaxId);
    expect(fetched.profile.id).toBe('18446744073709551615');
    expect(fetched.profile.email).toBe('max@example.com');
    expect(fetched.profile.source).toBe('product-analytics');
    expect(fetched.profile.meta.kind).toBe('vemetric');
    expect(fetched.profile.meta.fetchedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('should report an unparseable lastSeenAt through the source dependencies', async () => {
    const { sut, onInvalidOptionalTimestamp } = setup({ user: { ...(vemetricIdentified.user as object), lastSeenAt: 'soon' } });

    const fetched = await sut.fetchProfile({ id: '15241578750190521233', by: 'id' }, context);

    expect(fetched.profile.lastSeenAt).toBeNull();
    expect(onInvalidOptionalTimestamp).toHaveBeenCalledWith('lastSeenAt', 'soon');
  });

  it.each([
    ['a bare user object', vemetricIdentified.user as JsonValue],
    ['a numeric id', { user: { ...(vemetricIdentified.user as object), id: 7 } }],
    ['an error envelope sent with 200', vemetricErrorBodies.userNotFound],
    ['null', null],
  ])('should fail with UPSTREAM_BAD_RESPONSE for %s', async (_case, body) => {
    const { sut } = setup(body);

    const promise = sut.fetchProfile({ id: '7', by: 'id' }, context);

    await expect(promise).rejects.toBeInstanceOf(UpstreamBadResponseError);
    await expect(promise).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'product-analytics', upstreamStatus: 200 });
  });

  it('should pass transport errors through unchanged', async () => {
    const { sut, getJson } = setup();
    const failure = new UpstreamAuthFailedError('product-analytics', 401);
    getJson.mockRejectedValueOnce(failure);

    await expect(sut.fetchProfile({ id: '7', by: 'id' }, context)).rejects.toBe(failure);
  });

  describe('answers classified with the client rule', () => {
    /** Runs a lookup, then classifies `status`/`body` with the rule the client handed to the transport. */
    async function classify(status: number, body: string, by: LookupBy = 'id'): Promise<unknown> {
      const { sut, getJson } = setup();
      await sut.fetchProfile({ id: '42', by }, context);
      const rule = getJson.mock.calls[0]?.[2];
      if (!rule) throw new Error('getJson was not called');
      try {
        classifyResponse('product-analytics', { status, headers: {}, text: body }, rule, Date.now());
      } catch (error) {
        return error;
      }
      throw new Error('classifyResponse did not throw');
    }

    it.each<LookupBy>(['id', 'externalId'])('should treat 404 USER_NOT_FOUND as profile not found (by=%s)', async (by) => {
      const error = await classify(404, JSON.stringify(vemetricErrorBodies.userNotFound), by);

      expect(error).toBeInstanceOf(ProfileNotFoundError);
      expect(error).toMatchObject({ code: 'PROFILE_NOT_FOUND', source: 'product-analytics' });
    });

    it('should treat 404 NOT_FOUND (unknown route) as an upstream error, not a missing profile', async () => {
      const error = await classify(404, JSON.stringify(vemetricErrorBodies.routeNotFound));

      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 404 });
    });

    it('should treat a 404 without the Vemetric envelope as an upstream error', async () => {
      const error = await classify(404, '<html>Not Found</html>');

      expect(error).toBeInstanceOf(UpstreamFailureError);
    });

    it('should treat the 400 VALIDATION_ERROR as the upstream rejecting the id', async () => {
      const error = await classify(400, JSON.stringify(vemetricErrorBodies.nonNumericId));

      expect(error).toBeInstanceOf(UpstreamRejectedIdError);
      expect(error).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'id', message: 'rejected by the upstream as malformed' }] });
    });

    it('should treat the 401 as the upstream rejecting the gateway credentials', async () => {
      const error = await classify(401, JSON.stringify(vemetricErrorBodies.unknownKey));

      expect(error).toBeInstanceOf(UpstreamAuthFailedError);
    });
  });
});

describe('isVemetricUserNotFound', () => {
  it.each([
    ['USER_NOT_FOUND', true, vemetricErrorBodies.userNotFound],
    ['NOT_FOUND', false, vemetricErrorBodies.routeNotFound],
    ['another code', false, vemetricErrorBodies.internal],
    ['an envelope without message', false, { error: { code: 'USER_NOT_FOUND' } }],
    ['an empty object', false, {}],
    ['no body', false, undefined],
  ])('should classify %s as user-not-found: %s', (_case, expected, body) => {
    expect(isVemetricUserNotFound(body as JsonValue | undefined)).toBe(expected);
  });
});
