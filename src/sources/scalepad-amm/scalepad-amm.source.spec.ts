import { jest } from '@jest/globals';

import {
  AMM_CLIENT_ID,
  ammBadActivity,
  ammBadCreatedAt,
  ammBadUpdatedAt,
  ammClientNotFoundBody,
  ammFastifyRouteMissBody,
  ammFullUser,
  ammNewUser,
  ammRouteMissBody,
  ammUserNotFoundBody,
  ammWithDepartmentsNull,
  ammWithNumericId,
  ammWithoutLastActivity,
  ammWithoutUsername,
  ammWithUpdatedAtNull,
} from '../../../test/fixtures/scalepad-amm/scalepad-amm.fixtures.js';
import { ConfigError, parseConfig } from '../../config/config.loader.js';
import type { SourceConfig } from '../../config/config.types.js';
import {
  LookupNotSupportedError,
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileSource } from '../../profiles/profile-source.port.js';
import type { NotFoundRule, UpstreamHttp, UpstreamJson, UpstreamRequest } from '../shared/upstream-http.contract.js';
import { ADAPTER_KINDS, validateKindOptions } from '../source-registry.js';
import { scalepadAmmSourceFactory } from './scalepad-amm.source.js';

type GetJson = (request: UpstreamRequest, context: FetchContext, notFound: NotFoundRule) => Promise<UpstreamJson>;

/** The factory reads only the name and the options; transport settings belong to the `UpstreamHttp` it is given. */
function sourceConfig(options: Record<string, string> = { clientId: AMM_CLIENT_ID }): SourceConfig {
  return { name: 'endpoint-agents', kind: 'scalepad-amm', baseUrl: 'https://api.example.com', token: 'secret-token', options } as Partial<SourceConfig> as SourceConfig;
}

function setup(body: JsonValue = ammFullUser, options?: Record<string, string>) {
  const getJson = jest.fn<GetJson>().mockResolvedValue({ status: 200, headers: {}, body });
  const http: UpstreamHttp = { getJson };
  const onInvalidOptionalTimestamp = jest.fn<(field: string, value: unknown) => void>();
  const sut: ProfileSource = scalepadAmmSourceFactory.create(sourceConfig(options), { http, onInvalidOptionalTimestamp });
  return { sut, getJson, onInvalidOptionalTimestamp };
}

const context: FetchContext = { requestId: 'req-1' };

describe('scalepadAmmSourceFactory', () => {
  describe('validateOptions', () => {
    it('should accept a clientId shaped 8-4-4-4-12 when it is well formed', () => {
      expect(scalepadAmmSourceFactory.validateOptions({ clientId: AMM_CLIENT_ID })).toEqual([]);
      expect(scalepadAmmSourceFactory.validateOptions({ clientId: 'C3F19253-26G4-6129-C461-215H9658429D' })).toEqual([]);
    });

    it.each([[{}], [{ clientId: '' }], [{ clientId: null }]])('should report clientId as required when the options are %p', (options) => {
      expect(scalepadAmmSourceFactory.validateOptions(options)).toEqual([{ path: 'clientId', message: 'is required for kind scalepad-amm' }]);
    });

    it.each([
      [42],
      ['aa7cf840-9ca9-46a3-9778-9015d6580d5'],
      ['aa7cf840-9ca9-46a3-9778-9015d6580d500'],
      ['aa7cf8409ca946a397789015d6580d50'],
      ['aa7cf840-9ca9-46a3-9778_9015d6580d50'],
      ['aa7cf84é-9ca9-46a3-9778-9015d6580d50'],
      [' aa7cf840-9ca9-46a3-9778-9015d6580d50'],
    ])('should report an ill-formed clientId when it is %p', (clientId) => {
      const problems = scalepadAmmSourceFactory.validateOptions({ clientId });

      expect(problems).toHaveLength(1);
      expect(problems[0]?.path).toBe('clientId');
      expect(problems[0]?.message).toMatch(/8-4-4-4-12 of ASCII letters and digits/);
    });

    it('should say what a clientId that is not a string must be, in one sentence', () => {
      expect(scalepadAmmSourceFactory.validateOptions({ clientId: 42 })).toEqual([
        { path: 'clientId', message: 'must be a string of 36 characters shaped 8-4-4-4-12 of ASCII letters and digits' },
      ]);
    });
  });

  describe('options in the configuration file', () => {
    const file = (options: string): string => `
auth: { disabled: true }
sources:
  endpoint-agents:
    kind: scalepad-amm
    baseUrl: https://api.example.com
    token: secret-token
${options}`;

    it('should report a missing or ill-formed clientId once, under the source path', () => {
      const missing = () => parseConfig(file(''), { env: {}, kinds: ADAPTER_KINDS, validateKindOptions });
      const illFormed = () => parseConfig(file('    clientId: not-a-client'), { env: {}, kinds: ADAPTER_KINDS, validateKindOptions });

      expect(missing).toThrow(ConfigError);
      expect(missing).toThrow(/^sources\.endpoint-agents\.clientId: is required for kind scalepad-amm$/);
      expect(illFormed).toThrow(/^sources\.endpoint-agents\.clientId: must be 36 characters shaped 8-4-4-4-12/);
    });

    it('should keep a valid clientId as the source option', () => {
      const config = parseConfig(file(`    clientId: ${AMM_CLIENT_ID}`), { env: {}, kinds: ADAPTER_KINDS, validateKindOptions });

      expect(config.sources[0]?.options).toEqual({ clientId: AMM_CLIENT_ID });
    });
  });

  describe('create', () => {
    it('should build a source named after the configuration when the options are valid', () => {
      const { sut } = setup();

      expect(sut.name).toBe('endpoint-agents');
      expect(sut.kind).toBe('scalepad-amm');
    });

    it('should bind the source to the configured clientId', async () => {
      const getJson = jest.fn<GetJson>().mockResolvedValue({ status: 200, headers: {}, body: ammFullUser });
      const clientId = 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz';

      const sut = scalepadAmmSourceFactory.create(sourceConfig({ clientId }), { http: { getJson }, onInvalidOptionalTimestamp: jest.fn() });

      await sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context);

      expect(getJson.mock.calls[0]![0].path).toBe(`/v2/clients/${clientId}/users/a1d97031-04e2-4907-a249-093f7436207b`);
    });
  });

  describe('validateLookup', () => {
    it('should throw LookupNotSupportedError when the lookup is by externalId', () => {
      const { sut } = setup();

      expect(() => sut.validateLookup({ id: 'mikechang', by: 'externalId' })).toThrow(LookupNotSupportedError);
    });
  });

  describe('fetchProfile', () => {
    afterEach(() => {
      jest.useRealTimers();
    });

    it('should GET the user below the configured client and map the body when the upstream answers 200', async () => {
      jest.useFakeTimers({ now: new Date('2026-03-02T10:00:00.123Z'), doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
      const { sut, getJson } = setup(ammFullUser);

      const result = await sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context);

      expect(getJson).toHaveBeenCalledTimes(1);
      const [request, passedContext, notFound] = getJson.mock.calls[0]!;
      expect(request).toEqual({ path: `/v2/clients/${AMM_CLIENT_ID}/users/a1d97031-04e2-4907-a249-093f7436207b`, template: '/v2/clients/{clientId}/users/{id}' });
      expect(request.query).toBeUndefined();
      expect(passedContext).toBe(context);
      expect(notFound.id).toBe('a1d97031-04e2-4907-a249-093f7436207b');
      expect(result.raw).toBe(ammFullUser);
      expect(result.profile.source).toBe('endpoint-agents');
      expect(result.profile.id).toBe('a1d97031-04e2-4907-a249-093f7436207b');
      expect(result.profile.meta).toEqual({
        kind: 'scalepad-amm',
        fetchedAt: '2026-03-02T10:00:00.123Z',
        unsupportedFields: ['givenName', 'familyName', 'email', 'emailVerified', 'phone', 'phoneVerified', 'avatarUrl', 'country', 'city', 'roles'],
      });
    });

    it('should fetch the published user whose id is not a strict UUID', async () => {
      const { sut, getJson } = setup(ammNewUser);
      const lookup = { id: 'c3f19253-26g4-6129-c461-215h9658429d', by: 'id' } as const;

      sut.validateLookup(lookup);
      const result = await sut.fetchProfile(lookup, context);

      expect(getJson.mock.calls[0]![0].path).toBe(`/v2/clients/${AMM_CLIENT_ID}/users/c3f19253-26g4-6129-c461-215h9658429d`);
      expect(result.profile.id).toBe('c3f19253-26g4-6129-c461-215h9658429d');
      expect(result.profile.lastSeenByChannel).toEqual({ desktop: null, web: null });
    });

    it.each([
      ['a/b c', 'a%2Fb%20c'],
      ['..', '%2E%2E'],
      ['é?#', '%C3%A9%3F%23'],
    ])('should encode the id %p as one path segment when it reaches the client unvalidated', async (id, encoded) => {
      const { sut, getJson } = setup();

      await sut.fetchProfile({ id, by: 'id' }, context);

      expect(getJson.mock.calls[0]![0].path).toBe(`/v2/clients/${AMM_CLIENT_ID}/users/${encoded}`);
    });

    it('should treat every 404 as a missing user except NestJS route misses when classifying', async () => {
      const { sut, getJson } = setup();
      await sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context);
      const { isProfileNotFound } = getJson.mock.calls[0]![2];

      expect(isProfileNotFound(ammUserNotFoundBody)).toBe(true);
      expect(isProfileNotFound(ammClientNotFoundBody)).toBe(true);
      expect(isProfileNotFound(undefined)).toBe(true);
      expect(isProfileNotFound('<html>Not Found</html>')).toBe(true);
      expect(isProfileNotFound({ statusCode: 404, message: ['Cannot find user'] })).toBe(true);
      expect(isProfileNotFound(ammRouteMissBody)).toBe(false);
      expect(isProfileNotFound(ammFastifyRouteMissBody)).toBe(false);
    });

    it('should pass the upstream errors through unchanged when the client rejects', async () => {
      const { sut, getJson } = setup();
      const notFound = new ProfileNotFoundError('endpoint-agents', 'a1d97031-04e2-4907-a249-093f7436207b');
      const authFailed = new UpstreamAuthFailedError('endpoint-agents', 403);
      getJson.mockRejectedValueOnce(notFound).mockRejectedValueOnce(authFailed);

      await expect(sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context)).rejects.toBe(notFound);
      await expect(sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context)).rejects.toBe(authFailed);
    });

    it.each([
      ['username is missing', ammWithoutUsername],
      ['id is a number', ammWithNumericId],
      ['last_activity is missing', ammWithoutLastActivity],
      ['departments is null', ammWithDepartmentsNull],
      ['updated_at is null', ammWithUpdatedAtNull],
      ['created_at is not a timestamp', ammBadCreatedAt],
      ['updated_at is not a timestamp', ammBadUpdatedAt],
      ['the body is an array', [ammFullUser]],
      ['the body is null', null],
    ])('should reject with UPSTREAM_BAD_RESPONSE when %s', async (_, body) => {
      const { sut } = setup(body);

      const promise = sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context);

      await expect(promise).rejects.toBeInstanceOf(UpstreamBadResponseError);
      await expect(promise).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'endpoint-agents', upstreamStatus: 200 });
    });

    it('should report unparseable activity timestamps to the source dependencies and still answer', async () => {
      const { sut, onInvalidOptionalTimestamp } = setup(ammBadActivity);

      const result = await sut.fetchProfile({ id: 'a1d97031-04e2-4907-a249-093f7436207b', by: 'id' }, context);

      expect(result.profile.lastSeenAt).toBeNull();
      expect(onInvalidOptionalTimestamp).toHaveBeenCalledWith('last_activity.at', 'yesterday');
      expect(onInvalidOptionalTimestamp).toHaveBeenCalledWith('last_activity.web_at', '2026-02-30T10:00:00Z');
    });

    it('should reject a lookup by externalId with LookupNotSupportedError without calling the upstream', async () => {
      const { sut, getJson } = setup();

      await expect(sut.fetchProfile({ id: 'mikechang', by: 'externalId' }, context)).rejects.toBeInstanceOf(LookupNotSupportedError);
      expect(getJson).not.toHaveBeenCalled();
    });
  });
});
