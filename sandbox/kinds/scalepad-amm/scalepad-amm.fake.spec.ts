
import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamFailureError,
  UpstreamRejectedIdError,
} from '../../../src/profiles/profile.errors.js';
import type { ProfileSource } from '../../../src/profiles/profile-source.port.js';
import { scalepadAmmSourceFactory } from '../../../src/sources/scalepad-amm/scalepad-amm.source.js';
import {
  AMM_CLIENT_ID,
  ammClientNotFoundBody,
  ammDesktopUser,
  ammForbiddenBody,
  ammFullUser,
  ammMalformedUuidBody,
  ammNewUser,
  ammUnauthorizedBody,
  ammUserNotFoundBody,
} from '../../../test/fixtures/scalepad-amm/scalepad-amm.fixtures.js';
import { realSource, testSourceConfig } from '../../../test/support/real-source.js';
import { type FakeUpstream, startFakeUpstream } from '../../fake-upstream.js';
import { scalepadAmmFake, type ScalepadAmmFakeData } from './scalepad-amm.fake.js';

const TOKEN = 'amm-token-1';
const OTHER_TOKEN = 'amm-token-2';
const OTHER_CLIENT_ID = 'bb7cf840-9ca9-46a3-9778-9015d6580d51';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

describe(scalepadAmmFake.name, () => {
  let fake: FakeUpstream;

  async function start(overrides: Partial<ScalepadAmmFakeData> = {}): Promise<void> {
    fake = await startFakeUpstream(
      scalepadAmmFake({
        tokens: [TOKEN, OTHER_TOKEN],
        clients: [
          { id: AMM_CLIENT_ID, users: [ammFullUser, ammNewUser] },
          { id: OTHER_CLIENT_ID, users: [ammDesktopUser] },
        ],
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

  const userPath = (clientId: string, userId: string): string => `/v2/clients/${clientId}/users/${userId}`;

  describe('lookup', () => {
    beforeEach(() => start());

    it.each([
      ['the full user', AMM_CLIENT_ID, ammFullUser],
      ['the user whose id is not a strict UUID', AMM_CLIENT_ID, ammNewUser],
      ['the desktop-only user of another client', OTHER_CLIENT_ID, ammDesktopUser],
    ])('should answer 200 with %s as stored', async (_, clientId, user) => {
      const answer = await get(userPath(clientId, user.id as string));

      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(answer.body).toStrictEqual(user);
    });

    it('should answer the user when the path has a trailing slash', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string) + '/');

      expect(answer.status).toBe(200);
      expect(answer.body).toStrictEqual(ammFullUser);
    });

    it('should answer 404 User not found when the user is unknown', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, '00000000-0000-0000-0000-000000000000'));

      expect(answer).toMatchObject({ status: 404, body: ammUserNotFoundBody });
    });

    it('should answer 404 User not found when the user belongs to another client', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammDesktopUser.id as string));

      expect(answer).toMatchObject({ status: 404, body: ammUserNotFoundBody });
    });

    it('should answer 404 Client not found when the client is unknown', async () => {
      const answer = await get(userPath('cccccccc-9ca9-46a3-9778-9015d6580d50', ammFullUser.id as string));

      expect(answer).toMatchObject({ status: 404, body: ammClientNotFoundBody });
    });

    it.each([
      ['a user id that is not UUID-shaped', userPath(AMM_CLIENT_ID, 'mikechang')],
      ['a user id with an encoded slash', userPath(AMM_CLIENT_ID, 'a1d97031-04e2-4907-a249%2F093f7436207b')],
      ['a client id that is not UUID-shaped', userPath('client-1', ammFullUser.id as string)],
    ])('should answer 400 with the pipe message for %s', async (_, path) => {
      const answer = await get(path);

      expect(answer).toMatchObject({ status: 400, body: ammMalformedUuidBody });
    });
  });

  describe('authentication and permissions', () => {
    beforeEach(() => start({ grants: { [OTHER_TOKEN]: [OTHER_CLIENT_ID] } }));

    it.each([
      ['no Authorization header', {}],
      ['another scheme', { authorization: `Basic ${TOKEN}` }],
      ['an unknown token', { authorization: 'Bearer nope' }],
    ])('should answer 401 with the Nest default body when there is %s', async (_, headers) => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string), headers);

      expect(answer).toMatchObject({ status: 401, body: ammUnauthorizedBody });
    });

    it('should authenticate before validating the ids when both are wrong', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, 'not-a-uuid'), {});

      expect(answer).toMatchObject({ status: 401, body: ammUnauthorizedBody });
    });

    it('should answer 403 Forbidden resource when the token may not read the client', async () => {
      const answer = await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string), { authorization: `Bearer ${OTHER_TOKEN}` });

      expect(answer).toMatchObject({ status: 403, body: ammForbiddenBody });
    });

    it('should answer 200 when the token is granted that client', async () => {
      const answer = await get(userPath(OTHER_CLIENT_ID, ammDesktopUser.id as string), { authorization: `Bearer ${OTHER_TOKEN}` });

      expect(answer).toMatchObject({ status: 200, body: ammDesktopUser });
    });
  });

  describe('routing', () => {
    beforeEach(() => start());

    it.each([
      ['a path without the version', 'GET', `/clients/${AMM_CLIENT_ID}/users/${ammFullUser.id as string}`],
      ['the list endpoint', 'GET', `/v2/clients/${AMM_CLIENT_ID}/users`],
      ['another method', 'DELETE', userPath(AMM_CLIENT_ID, ammFullUser.id as string)],
    ])('should answer Nest route-miss 404 without authentication for %s', async (_, method, path) => {
      const answer = await get(path, {}, method);

      expect(answer).toMatchObject({ status: 404, body: { statusCode: 404, message: `Cannot ${method} ${path}`, error: 'Not Found' } });
    });

    it('should record the request with its raw path and headers', async () => {
      await get(userPath(AMM_CLIENT_ID, ammFullUser.id as string));

      expect(fake.calls).toHaveLength(1);
      expect(fake.calls[0]?.rawPath).toBe(userPath(AMM_CLIENT_ID, ammFullUser.id as string));
      expect(fake.calls[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    });
  });

  describe('with the scalepad-amm source over HTTP', () => {
    let close: () => void;

    beforeEach(() => start({ grants: { [OTHER_TOKEN]: [OTHER_CLIENT_ID] } }));

    function sourceFor({ baseUrl = fake.url, token = TOKEN, clientId = AMM_CLIENT_ID } = {}): ProfileSource {
      const real = realSource(scalepadAmmSourceFactory, testSourceConfig({ name: 'endpoint-agents', kind: 'scalepad-amm', baseUrl, token, options: { clientId } }));
      close = real.close;
      return real.source;
    }

    afterEach(() => {
      close();
    });

    it('should fetch and map a user of the configured client', async () => {
      const sut = sourceFor({ clientId: OTHER_CLIENT_ID });

      const { profile, raw } = await sut.fetchProfile({ id: ammDesktopUser.id as string, by: 'id' }, { requestId: 'r1' });

      expect(raw).toStrictEqual(ammDesktopUser);
      expect(profile.externalId).toBe('CORP\\j.devries');
      expect(profile.lastSeenByChannel).toStrictEqual({ desktop: '2026-03-01T08:15:02.511Z', web: null });
      expect(fake.calls.at(-1)?.rawPath).toBe(userPath(OTHER_CLIENT_ID, ammDesktopUser.id as string));
    });

    it('should fetch the published user whose id is not a strict UUID', async () => {
      const sut = sourceFor();

      const { profile } = await sut.fetchProfile({ id: ammNewUser.id as string, by: 'id' }, { requestId: 'r2' });

      expect(profile.id).toBe('c3f19253-26g4-6129-c461-215h9658429d');
    });

    it.each([
      ['the user is unknown', {}, '00000000-0000-0000-0000-000000000000'],
      ['the configured client is unknown', { clientId: 'cccccccc-9ca9-46a3-9778-9015d6580d50' }, ammFullUser.id as string],
    ])('should report a missing user as not found when %s', async (_, overrides, id) => {
      const sut = sourceFor(overrides);

      await expect(sut.fetchProfile({ id, by: 'id' }, { requestId: 'r3' })).rejects.toBeInstanceOf(ProfileNotFoundError);
    });

    it('should report a wrong base URL as an upstream error, not a missing user', async () => {
      const sut = sourceFor({ baseUrl: `${fake.url}/api` });

      await expect(sut.fetchProfile({ id: ammFullUser.id as string, by: 'id' }, { requestId: 'r4' })).rejects.toBeInstanceOf(UpstreamFailureError);
    });

    it.each([
      ['the token is unknown', { token: 'nope' }, 401],
      ['the token may not read the client', { token: OTHER_TOKEN }, 403],
    ])('should report an upstream auth failure when %s', async (_, overrides, status) => {
      const sut = sourceFor(overrides);

      const promise = sut.fetchProfile({ id: ammFullUser.id as string, by: 'id' }, { requestId: 'r5' });

      await expect(promise).rejects.toBeInstanceOf(UpstreamAuthFailedError);
      await expect(promise).rejects.toMatchObject({ upstreamStatus: status });
    });

    it('should report the upstream 400 as a rejected id when an unvalidated id reaches it', async () => {
      const sut = sourceFor();

      await expect(sut.fetchProfile({ id: 'mike/chang', by: 'id' }, { requestId: 'r6' })).rejects.toBeInstanceOf(UpstreamRejectedIdError);
      expect(fake.calls.at(-1)?.rawPath).toBe(userPath(AMM_CLIENT_ID, 'mike%2Fchang'));
    });
  });
});
