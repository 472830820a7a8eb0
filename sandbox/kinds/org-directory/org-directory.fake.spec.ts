
import { ProfileNotFoundError, UpstreamAuthFailedError, UpstreamRejectedIdError } from '../../../src/profiles/profile.errors.js';
import type { JsonObject } from '../../../src/profiles/profile.model.js';
import type { ProfileSource } from '../../../src/profiles/profile-source.port.js';
import { orgDirectorySourceFactory } from '../../../src/sources/org-directory/org-directory.source.js';
import {
  orgFullUser,
  orgMinimalUser,
  orgNotFoundBody,
  orgPersonalUser,
} from '../../../test/fixtures/org-directory/org-directory.fixtures.js';
import { realSource, testSourceConfig } from '../../../test/support/real-source.js';
import { type FakeUpstream, startFakeUpstream } from '../../fake-upstream.js';
import { omitNullProperties, ORG_DIRECTORY_HEADERS, orgDirectoryFake, type OrgDirectoryFakeData } from './org-directory.fake.js';

const TOKEN = '64797479-e3e5-4cf8-a1c9-4957cd9836d9';
const PERSONAL_TOKEN = '0f3c1a52-7c6b-4d7e-9a55-1f2e3d4c5b6a';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const NOW_MS = Date.parse('2026-03-10T09:40:00.000Z');

/** As the backend holds it: nulls where the JSON will have no key. */
const storedWithNulls: JsonObject = {
  ...orgMinimalUser,
  id: 50,
  lastName: null,
  emailAddress: null,
  account: { id: 1, firstName: 'Anna', lastName: null },
  userGroups: [{ id: 7, organizationId: 2, name: 'Reception', description: null, groupAdmin: false }],
};

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

describe(orgDirectoryFake.name, () => {
  let fake: FakeUpstream;

  async function start(overrides: Partial<OrgDirectoryFakeData> = {}): Promise<void> {
    fake = await startFakeUpstream(
      orgDirectoryFake({
        tokens: [TOKEN, PERSONAL_TOKEN],
        users: [orgMinimalUser, orgFullUser, orgPersonalUser, storedWithNulls],
        now: () => NOW_MS,
        ...overrides,
      }),
    );
  }

  afterEach(async () => {
    await fake.close();
  });

  async function get(path: string, headers: Record<string, string> = AUTH, method = 'GET'): Promise<Answer> {
    const response = await fetch(fake.url + path, { method, headers });
    return { status: response.status, headers: response.headers, body: await response.json() };
  }

  const springError = (status: number, error: string, path: string): JsonObject => ({ timestamp: '2026-03-10T09:40:00.000+00:00', status, error, path });

  describe('lookup', () => {
    beforeEach(() => start());

    it.each([
      ['the minimal published user', orgMinimalUser],
      ['the fully populated user', orgFullUser],
      ['the user of a personal organization', orgPersonalUser],
    ])('should answer 200 with %s', async (_, user) => {
      const answer = await get(`/v2/users/${user.id as number}`);

      expect(answer.status).toBe(200);
      expect(answer.body).toStrictEqual(user);
    });

    it('should send the security and CORS headers of the published example with no rate-limit headers', async () => {
      const answer = await get('/v2/users/4');

      for (const [name, value] of Object.entries(ORG_DIRECTORY_HEADERS)) {
        expect(answer.headers.get(name)).toBe(value);
      }
      expect([...answer.headers.keys()].filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    });

    it('should omit null properties at every depth when the user has null values', async () => {
      const answer = await get('/v2/users/50');

      expect(answer.status).toBe(200);
      const body = answer.body as JsonObject;
      expect(body).not.toHaveProperty('lastName');
      expect(body).not.toHaveProperty('emailAddress');
      expect(body.account).toStrictEqual({ id: 1, firstName: 'Anna' });
      expect(body.userGroups).toStrictEqual([{ id: 7, organizationId: 2, name: 'Reception', groupAdmin: false }]);
    });

    it('should resolve an id with leading zeros to the same user as a Java long', async () => {
      const answer = await get('/v2/users/004');

      expect(answer).toMatchObject({ status: 200, body: orgMinimalUser });
    });

    it('should answer 404 with the Spring Boot default body when the user is unknown', async () => {
      const answer = await get('/v2/users/99');

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(orgNotFoundBody);
    });

    it.each([['abc'], ['4.5'], ['99999999999999999999'], ['4%20']])('should answer 400 Bad Request when the id is %p', async (id) => {
      const answer = await get(`/v2/users/${id}`);

      expect(answer.status).toBe(400);
      expect(answer.body).toStrictEqual(springError(400, 'Bad Request', `/v2/users/${id}`));
    });
  });

  describe('authentication and permissions', () => {
    beforeEach(() => start({ tokenOrganizations: { [PERSONAL_TOKEN]: 5 } }));

    it.each([
      ['no Authorization header', {}],
      ['another scheme', { authorization: `Basic ${TOKEN}` }],
      ['an unknown token', { authorization: 'Bearer 00000000-0000-4000-8000-000000000000' }],
    ])('should answer 401 with the Spring Boot default body when there is %s', async (_, headers) => {
      const answer = await get('/v2/users/4', headers);

      expect(answer.status).toBe(401);
      expect(answer.body).toStrictEqual(springError(401, 'Unauthorized', '/v2/users/4'));
    });

    it('should authenticate before routing when the path is unknown', async () => {
      const answer = await get('/v1/nothing', {});

      expect(answer).toMatchObject({ status: 401 });
    });

    it('should answer 403 when the user is outside the token organization', async () => {
      const answer = await get('/v2/users/4', { authorization: `Bearer ${PERSONAL_TOKEN}` });

      expect(answer.status).toBe(403);
      expect(answer.body).toStrictEqual(springError(403, 'Forbidden', '/v2/users/4'));
    });

    it('should answer 200 when the user is in the token organization', async () => {
      const answer = await get('/v2/users/31', { authorization: `Bearer ${PERSONAL_TOKEN}` });

      expect(answer).toMatchObject({ status: 200, body: orgPersonalUser });
    });
  });

  describe('routing', () => {
    beforeEach(() => start());

    it.each([['/v2/users'], ['/v2/users/4/'], ['/v1/users/4'], ['/v2/users/4/groups']])('should answer 404 for %s', async (path) => {
      const answer = await get(path);

      expect(answer.status).toBe(404);
      expect(answer.body).toStrictEqual(springError(404, 'Not Found', path));
    });

    it('should answer 405 when the method is not GET', async () => {
      const answer = await get('/v2/users/4', AUTH, 'DELETE');

      expect(answer.status).toBe(405);
      expect(answer.body).toStrictEqual(springError(405, 'Method Not Allowed', '/v2/users/4'));
    });
  });
  describe('with the org-directory source over HTTP', () => {
    let close: () => void;

    beforeEach(() => start({ tokenOrganizations: { [PERSONAL_TOKEN]: 5 } }));

    function sourceFor({ baseUrl = fake.url, token = TOKEN } = {}): ProfileSource {
      const real = realSource(orgDirectorySourceFactory, testSourceConfig({ name: 'access-directory', kind: 'org-directory', baseUrl, token }));
      close = real.close;
      return real.source;
    }

    afterEach(() => {
      close();
    });

    it('should fetch and map the fully populated user', async () => {
      const sut = sourceFor();

      const { profile, raw } = await sut.fetchProfile({ id: '17', by: 'id' }, { requestId: 'r1' });

      expect(raw).toStrictEqual(orgFullUser);
      expect(profile.id).toBe('17');
      expect(profile.displayName).toBe('Jan Jansen');
      expect(profile.memberships.map((m) => [m.type, m.id, m.role])).toStrictEqual([
        ['organization', '2', null],
        ['group', '7', 'member'],
        ['group', '9', 'admin'],
      ]);
      expect(fake.calls.at(-1)?.rawPath).toBe('/v2/users/17');
    });

    it('should map keys the upstream omitted for null values as null', async () => {
      const sut = sourceFor();

      const { profile } = await sut.fetchProfile({ id: '50', by: 'id' }, { requestId: 'r2' });

      expect(profile.familyName).toBeNull();
      expect(profile.email).toBeNull();
      expect(profile.memberships[1]?.description).toBeNull();
      expect(profile.attributes.account).toStrictEqual({ id: 1, firstName: 'Anna' });
    });

    it('should report a missing user as not found when the user is unknown', async () => {
      const sut = sourceFor();

      await expect(sut.fetchProfile({ id: '99', by: 'id' }, { requestId: 'r3' })).rejects.toBeInstanceOf(ProfileNotFoundError);
    });

    it('should also report not found when the base URL is wrong, since the 404 bodies cannot be told apart', async () => {
      const sut = sourceFor({ baseUrl: `${fake.url}/api` });

      await expect(sut.fetchProfile({ id: '4', by: 'id' }, { requestId: 'r3' })).rejects.toBeInstanceOf(ProfileNotFoundError);
      expect(fake.calls.at(-1)?.rawPath).toBe('/api/v2/users/4');
    });

    it.each([
      ['the token is unknown', 'deadbeef-0000-4000-8000-000000000000', 401],
      ['the user is outside the token organization', PERSONAL_TOKEN, 403],
    ])('should report an upstream auth failure when %s', async (_, token, status) => {
      const sut = sourceFor({ token });

      const promise = sut.fetchProfile({ id: '4', by: 'id' }, { requestId: 'r4' });

      await expect(promise).rejects.toBeInstanceOf(UpstreamAuthFailedError);
      await expect(promise).rejects.toMatchObject({ upstreamStatus: status });
    });

    it('should report the upstream 400 as a rejected id when an unvalidated id reaches it', async () => {
      const sut = sourceFor();

      await expect(sut.fetchProfile({ id: 'abc', by: 'id' }, { requestId: 'r5' })).rejects.toBeInstanceOf(UpstreamRejectedIdError);
    });
  });
});

describe('omitNullProperties', () => {
  it('should drop null properties of nested objects and keep null list elements', () => {
    expect(omitNullProperties({ a: null, b: { c: null, d: 1 }, e: [null, { f: null, g: 'x' }] })).toStrictEqual({ b: { d: 1 }, e: [null, { g: 'x' }] });
  });
});
