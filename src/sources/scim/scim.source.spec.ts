import { jest } from '@jest/globals';

import { scimEnterpriseUser, scimListResponse, scimMinimalUser, scimNotFoundError } from '../../../test/fixtures/scim/scim.fixtures.js';
import type { SourceConfig } from '../../config/config.types.js';
import { LookupAmbiguousError, ProfileNotFoundError, UpstreamBadResponseError, UpstreamFailureError } from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext, ProfileSource } from '../../profiles/profile-source.port.js';
import { encodeQuery, type UpstreamHttp } from '../shared/upstream-http.contract.js';
import { classifyResponse } from '../shared/upstream-response.js';
import { externalIdFilter, isScimUserNotFound, scimString } from './scim.client.js';
import { scimSourceFactory } from './scim.source.js';

const config = { name: 'workforce-idp', kind: 'scim', baseUrl: 'https://idp.example.com/scim/v2', token: 't', options: {} } as Partial<SourceConfig> as SourceConfig;
const context: FetchContext = { requestId: 'req-1' };

function setup(body: JsonValue = scimEnterpriseUser): { sut: ProfileSource; getJson: jest.Mock<UpstreamHttp['getJson']> } {
  const getJson = jest.fn<UpstreamHttp['getJson']>().mockResolvedValue({ status: 200, headers: {}, body });
  return { sut: scimSourceFactory.create(config, { http: { getJson }, onInvalidOptionalTimestamp: () => undefined }), getJson };
}

describe('scimSourceFactory', () => {
  it('should be the factory of kind scim with no options to check', () => {
    expect(scimSourceFactory.kind).toBe('scim');
    expect(scimSourceFactory.validateOptions({})).toStrictEqual([]);
  });
});

describe('fetchProfile by id', () => {
  it('should GET /Users/{id} as one encoded segment with the SCIM Accept header', async () => {
    const { sut, getJson } = setup();

    await sut.fetchProfile({ id: 'a/b c', by: 'id' }, context);

    expect(getJson).toHaveBeenCalledWith({ path: '/Users/a%2Fb%20c', accept: 'application/scim+json, application/json', template: '/Users/{id}' }, context, {
      id: 'a/b c',
      isProfileNotFound: expect.any(Function),
    });
  });

  it('should answer UPSTREAM_BAD_RESPONSE for a 200 that is a query response, not a User', async () => {
    const { sut } = setup(scimListResponse([scimMinimalUser]));

    await expect(sut.fetchProfile({ id: 'u1', by: 'id' }, context)).rejects.toBeInstanceOf(UpstreamBadResponseError);
  });
});

describe('fetchProfile by externalId', () => {
  it('should filter on externalId with the value escaped, the whole filter one query value, count=2', async () => {
    const { sut, getJson } = setup(scimListResponse([scimEnterpriseUser]));

    await sut.fetchProfile({ id: 'a "quoted" \\ value&x=1', by: 'externalId' }, context);

    const request = getJson.mock.calls[0]![0];
    expect(request).toStrictEqual({
      path: '/Users',
      query: [
        ['filter', 'externalId eq "a \\"quoted\\" \\\\ value&x=1"'],
        ['count', '2'],
      ],
      accept: 'application/scim+json, application/json',
      template: '/Users?filter=externalId eq {id}&count=2',
    });
    expect(encodeQuery(request.query)).toBe('?filter=externalId%20eq%20%22a%20%5C%22quoted%5C%22%20%5C%5C%20value%26x%3D1%22&count=2');
  });

  it('should map the one resource and keep the whole query response as raw', async () => {
    const list = scimListResponse([scimEnterpriseUser]);
    const { sut } = setup(list);

    const fetched = await sut.fetchProfile({ id: '701984', by: 'externalId' }, context);

    expect(fetched.profile).toMatchObject({ id: scimEnterpriseUser.id, externalId: '701984' });
    expect(fetched.raw).toBe(list);
  });

  it.each([
    ['no Resources', { ...scimListResponse([]), Resources: undefined }],
    ['an empty Resources', scimListResponse([])],
  ])('should answer PROFILE_NOT_FOUND for %s', async (_case, body) => {
    const { sut } = setup(JSON.parse(JSON.stringify(body)) as JsonValue);

    await expect(sut.fetchProfile({ id: 'x', by: 'externalId' }, context)).rejects.toBeInstanceOf(ProfileNotFoundError);
  });

  it.each([
    ['two resources', scimListResponse([scimEnterpriseUser, scimMinimalUser])],
    ['one resource of a larger totalResults', scimListResponse([scimEnterpriseUser], 3)],
  ])('should answer LOOKUP_AMBIGUOUS for %s', async (_case, body) => {
    const { sut } = setup(body);

    await expect(sut.fetchProfile({ id: 'x', by: 'externalId' }, context)).rejects.toMatchObject({ code: 'LOOKUP_AMBIGUOUS', source: 'workforce-idp' });
    await expect(sut.fetchProfile({ id: 'x', by: 'externalId' }, context)).rejects.toBeInstanceOf(LookupAmbiguousError);
  });

  it.each([
    ['a bare User', scimEnterpriseUser],
    ['a list whose resource is not a User', scimListResponse([{ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: 'g' }])],
  ])('should answer UPSTREAM_BAD_RESPONSE for %s', async (_case, body) => {
    const { sut } = setup(body);

    await expect(sut.fetchProfile({ id: 'x', by: 'externalId' }, context)).rejects.toBeInstanceOf(UpstreamBadResponseError);
  });
});

describe('scimString and externalIdFilter', () => {
  it.each([
    ['plain', 'abc', '"abc"'],
    ['a quote', 'a"b', '"a\\"b"'],
    ['a backslash', 'a\\b', '"a\\\\b"'],
    ['a backslash before a quote', '\\"', '"\\\\\\""'],
  ])('should write %s as a SCIM string', (_case, value, expected) => {
    expect(scimString(value)).toBe(expected);
  });

  it('should compare externalId with eq', () => {
    expect(externalIdFilter('701984')).toBe('externalId eq "701984"');
  });
});

describe('the 404 rule', () => {
  it.each([
    ['a SCIM Error', true, scimNotFoundError],
    ['a web server 404', false, { message: 'Not Found' }],
    ['no body', false, undefined],
  ])('should classify %s as a missing user: %s', (_case, expected, body) => {
    expect(isScimUserNotFound(body as JsonValue | undefined)).toBe(expected);
    const rule = { id: 'u', isProfileNotFound: isScimUserNotFound };
    expect(() => classifyResponse('workforce-idp', { status: 404, headers: {}, text: body === undefined ? '' : JSON.stringify(body) }, rule, 0)).toThrow(
      expected ? ProfileNotFoundError : UpstreamFailureError,
    );
  });
});
