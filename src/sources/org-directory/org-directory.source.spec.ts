import { jest } from '@jest/globals';

import {
  orgBadDateCreated,
  orgBadDateModified,
  orgMinimalUser,
  orgNotFoundBody,
  orgWithFractionalId,
  orgWithNumericSuperUser,
  orgWithOrganizationWithoutId,
  orgWithoutDateCreated,
  orgWithStringGroupId,
  orgWithStringId,
  orgWithUnsafeId,
} from '../../../test/fixtures/org-directory/org-directory.fixtures.js';
import type { SourceConfig } from '../../config/config.types.js';
import {
  LookupNotSupportedError,
  ProfileNotFoundError,
  UpstreamBadResponseError,
  UpstreamRejectedIdError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileSource } from '../../profiles/profile-source.port.js';
import type { UpstreamHttp } from '../shared/upstream-http.contract.js';
import { classifyResponse } from '../shared/upstream-response.js';
import { orgDirectorySourceFactory } from './org-directory.source.js';

/** The factory reads only the name; transport settings belong to the `UpstreamHttp` it is given. */
const config = { name: 'access-directory', kind: 'org-directory', baseUrl: 'https://directory.example.nl', token: 't', options: {} } as Partial<SourceConfig> as SourceConfig;

const context: FetchContext = { requestId: 'req-7' };

function setup(body: JsonValue = orgMinimalUser) {
  const getJson = jest.fn<UpstreamHttp['getJson']>().mockResolvedValue({ status: 200, headers: {}, body });
  const onInvalidOptionalTimestamp = jest.fn<(field: string, value: unknown) => void>();
  const sut: ProfileSource = orgDirectorySourceFactory.create(config, { http: { getJson }, onInvalidOptionalTimestamp });
  return { sut, getJson, onInvalidOptionalTimestamp };
}

describe('orgDirectorySourceFactory', () => {
  it('should be the factory of kind org-directory with no options to check', () => {
    expect(orgDirectorySourceFactory.kind).toBe('org-directory');
    expect(orgDirectorySourceFactory.validateOptions({})).toStrictEqual([]);
    expect(orgDirectorySourceFactory.validateOptions({ clientId: 'x' })).toStrictEqual([]);
  });

  it('should create a source named after the configuration', () => {
    const { sut } = setup();

    expect(sut.name).toBe('access-directory');
    expect(sut.kind).toBe('org-directory');
  });
});

describe('validateLookup', () => {
  it('should throw LookupNotSupportedError when the lookup is by externalId', () => {
    const { sut } = setup();

    expect(() => sut.validateLookup({ id: 'HR-00042', by: 'externalId' })).toThrow(LookupNotSupportedError);
  });
});

describe('fetchProfile', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('should GET /v2/users/{id} with no query and map the body when the upstream answers 200', async () => {
    jest.useFakeTimers({ now: new Date('2026-03-12T08:00:00.000Z'), doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
    const { sut, getJson } = setup(orgMinimalUser);

    const result = await sut.fetchProfile({ id: '4', by: 'id' }, context);

    expect(getJson).toHaveBeenCalledTimes(1);
    const [request, passedContext, notFound] = getJson.mock.calls[0]!;
    expect(request).toEqual({ path: '/v2/users/4', template: '/v2/users/{id}' });
    expect(request.query).toBeUndefined();
    expect(passedContext).toBe(context);
    expect(notFound.id).toBe('4');
    expect(result.raw).toBe(orgMinimalUser);
    expect(result.profile.id).toBe('4');
    expect(result.profile.source).toBe('access-directory');
    expect(result.profile.meta).toEqual({
      kind: 'org-directory',
      fetchedAt: '2026-03-12T08:00:00.000Z',
      unsupportedFields: ['username', 'avatarUrl', 'country', 'city', 'lastSeenAt', 'lastSeenByChannel'],
    });
  });

  it.each([
    ['4/5', '4%2F5'],
    ['..', '%2E%2E'],
    ['7 ?#é', '7%20%3F%23%C3%A9'],
  ])('should encode the id %p as one path segment when it reaches the client unvalidated', async (id, encoded) => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id, by: 'id' }, context);

    expect(getJson.mock.calls[0]![0].path).toBe(`/v2/users/${encoded}`);
  });

  it('should treat any 404 as a missing user whatever the body when the transport classifies it', async () => {
    const { sut, getJson } = setup();
    await sut.fetchProfile({ id: '99', by: 'id' }, context);
    const notFound = getJson.mock.calls[0]![2];

    for (const text of [JSON.stringify(orgNotFoundBody), '', '<html>Not Found</html>', '{"message":"Cannot GET /v2/users/99"}']) {
      expect(() => classifyResponse('access-directory', { status: 404, headers: {}, text }, notFound, 0)).toThrow(ProfileNotFoundError);
    }
  });

  it('should pass upstream errors through unchanged when the transport rejects', async () => {
    const { sut, getJson } = setup();
    const rejected = new UpstreamRejectedIdError('access-directory', '4');
    getJson.mockRejectedValueOnce(rejected);

    await expect(sut.fetchProfile({ id: '4', by: 'id' }, context)).rejects.toBe(rejected);
  });

  it.each([
    ['dateCreated is missing', orgWithoutDateCreated],
    ['dateCreated is not a timestamp', orgBadDateCreated],
    ['id is a string', orgWithStringId],
    ['id is beyond the safe integer range', orgWithUnsafeId],
    ['id is fractional', orgWithFractionalId],
    ['a group id is a string', orgWithStringGroupId],
    ['the organization has no id', orgWithOrganizationWithoutId],
    ['superUser is a number', orgWithNumericSuperUser],
    ['the body is an array', [orgMinimalUser]],
    ['the body is a string', 'ok'],
  ])('should reject with UPSTREAM_BAD_RESPONSE when %s', async (_, body) => {
    const { sut } = setup(body);

    const promise = sut.fetchProfile({ id: '4', by: 'id' }, context);

    await expect(promise).rejects.toBeInstanceOf(UpstreamBadResponseError);
    await expect(promise).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'access-directory', upstreamStatus: 200 });
  });

  it('should report an unparseable dateModified to the source dependencies and still answer', async () => {
    const { sut, onInvalidOptionalTimestamp } = setup(orgBadDateModified);

    const result = await sut.fetchProfile({ id: '4', by: 'id' }, context);

    expect(result.profile.updatedAt).toBeNull();
    expect(onInvalidOptionalTimestamp).toHaveBeenCalledWith('dateModified', '10-03-2026 09:38');
  });

  it('should reject a lookup by externalId with LookupNotSupportedError without calling the upstream', async () => {
    const { sut, getJson } = setup();

    await expect(sut.fetchProfile({ id: 'HR-00042', by: 'externalId' }, context)).rejects.toBeInstanceOf(LookupNotSupportedError);
    expect(getJson).not.toHaveBeenCalled();
  });
});
