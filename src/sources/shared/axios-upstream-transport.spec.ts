import { HttpService } from '@nestjs/axios';
import axios from 'axios';

import { type FakeUpstream, startFakeUpstream } from '../../../sandbox/fake-upstream.js';
import type { SourceConfig } from '../../config/config.types.js';
import { UpstreamBadResponseError, UpstreamFailureError, UpstreamTimeoutError } from '../../profiles/profile.errors.js';
import { AxiosUpstreamTransport } from './axios-upstream-transport.js';

describe(AxiosUpstreamTransport.name, () => {
  let fake: FakeUpstream;
  let transport: AxiosUpstreamTransport;

  function create(overrides: Partial<SourceConfig> = {}): AxiosUpstreamTransport {
    const config = {
      name: 'src',
      kind: 'usertour',
      baseUrl: fake.url,
      token: 'secret-token',
      options: {},
      maxConcurrency: 2,
      maxResponseBytes: 10_000,
      ...overrides,
    } as Partial<SourceConfig> as SourceConfig;
    transport = new AxiosUpstreamTransport(new HttpService(axios.create()), config);
    return transport;
  }

  beforeAll(async () => {
    fake = await startFakeUpstream(() => ({ status: 200, body: { ok: true } }));
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
  });

  afterEach(() => {
    transport.destroy();
  });

  it('should send the bearer token, the request id and the encoded path and query', async () => {
    const sut = create();

    const response = await sut.get({ path: '/v1/users/a%2Fb', query: [['expand[]', 'memberships']] }, { signal: new AbortController().signal, budgetMs: 1000, requestId: 'req-1' });

    expect(response).toMatchObject({ status: 200, text: '{"ok":true}' });
    expect(response.headers['content-type']).toBe('application/json');
    expect(fake.calls[0]?.rawPath).toBe('/v1/users/a%2Fb');
    expect(fake.calls[0]?.query).toStrictEqual([['expand[]', 'memberships']]);
    expect(fake.calls[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(fake.calls[0]?.headers.accept).toBe('application/json');
    expect(fake.calls[0]?.headers['x-request-id']).toBe('req-1');
  });

  it('should resolve with error statuses and their raw body instead of throwing', async () => {
    const sut = create();
    fake.enqueue({ type: 'status', status: 503, body: 'busy', headers: { 'retry-after': '9' } });

    const response = await sut.get({ path: '/x' }, { signal: new AbortController().signal, budgetMs: 1000, requestId: 'req-1' });

    expect(response).toMatchObject({ status: 503, text: 'busy' });
    expect(response.headers['retry-after']).toBe('9');
  });

  it('should fail with UPSTREAM_BAD_RESPONSE for a body over maxResponseBytes', async () => {
    const sut = create({ maxResponseBytes: 1000 });
    fake.enqueue({ type: 'huge', bytes: 5000 });

    await expect(sut.get({ path: '/x' }, { signal: new AbortController().signal, budgetMs: 1000, requestId: 'req-1' })).rejects.toBeInstanceOf(UpstreamBadResponseError);
  });

  it('should fail with UPSTREAM_TIMEOUT when the signal fires', async () => {
    const sut = create();
    fake.enqueue({ type: 'hang' });

    await expect(sut.get({ path: '/x' }, { signal: AbortSignal.timeout(50), budgetMs: 50, requestId: 'req-1' })).rejects.toBeInstanceOf(UpstreamTimeoutError);
  });

  it('should fail with UPSTREAM_ERROR status 0 for a reset connection, without the URL or token', async () => {
    const sut = create();
    fake.enqueue({ type: 'reset' });

    const error: unknown = await sut.get({ path: '/x' }, { signal: new AbortController().signal, budgetMs: 1000, requestId: 'req-1' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UpstreamFailureError);
    expect(error).toMatchObject({ upstreamStatus: 0 });
    expect((error as Error).message).not.toContain(fake.url);
    expect((error as Error).message).not.toContain('secret-token');
  });
});
