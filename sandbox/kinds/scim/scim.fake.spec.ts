import { type FakeUpstream, startFakeUpstream } from '../../fake-upstream.js';
import { scimFake } from './scim.fake.js';
import { SCIM_SANDBOX_TOKEN, scimSandboxData } from './scim.sandbox.js';

const AUTH = { authorization: `Bearer ${SCIM_SANDBOX_TOKEN}` };
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describe(scimFake.name, () => {
  let fake: FakeUpstream;

  beforeAll(async () => {
    fake = await startFakeUpstream(scimFake(scimSandboxData));
  });

  afterAll(async () => {
    await fake.close();
  });

  async function get(path: string, headers: Record<string, string> = AUTH): Promise<{ status: number; type: string | null; body: unknown; headers: Headers }> {
    const response = await fetch(fake.url + path, { headers });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, type: response.headers.get('content-type'), body, headers: response.headers };
  }

  it('should answer a user as application/scim+json', async () => {
    const res = await get('/Users/ada');

    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ id: 'ada', externalId: 'HR-00042' });
  });

  it.each([
    ['no token', {}],
    ['an unknown token', { authorization: 'Bearer nope' }],
    ['another scheme', { authorization: `Basic ${SCIM_SANDBOX_TOKEN}` }],
  ])('should answer %s with a 401 SCIM Error and a Bearer challenge', async (_case, headers) => {
    const res = await get('/Users/ada', headers);

    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ schemas: [ERROR], status: '401' });
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('should answer a missing user with a 404 SCIM Error', async () => {
    const res = await get('/Users/ghost');

    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ schemas: [ERROR], status: '404' });
  });

  it('should answer a path outside /Users with a plain 404, before auth', async () => {
    const res = await get('/scim/v2/Users/ada', {});

    expect(res.status).toBe(404);
    expect(res.type).toBe('text/html');
  });

  it('should filter on externalId with SCIM string escapes and honour count', async () => {
    const quoted = await get(`/Users?filter=${encodeURIComponent('externalId eq "say \\"hi\\" \\\\ bye"')}&count=2`);
    const twins = await get(`/Users?filter=${encodeURIComponent('externalid EQ "shared-id"')}&count=1`);
    const none = await get(`/Users?filter=${encodeURIComponent('externalId eq "HR-00042 "')}`);

    expect(quoted.body).toMatchObject({ totalResults: 1, Resources: [{ id: 'quoted' }] });
    expect(twins.body).toMatchObject({ totalResults: 2, itemsPerPage: 1, Resources: [{ id: 'twin-1' }] });
    expect(none.body).toStrictEqual({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, itemsPerPage: 0, startIndex: 1 });
  });

  it('should answer another filter with 400 invalidFilter', async () => {
    const res = await get(`/Users?filter=${encodeURIComponent('userName sw "a"')}`);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ schemas: [ERROR], scimType: 'invalidFilter' });
  });
});
