import { HttpService } from '@nestjs/axios';
import axios from 'axios';

import { type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { testSourceConfig } from '../../test/support/real-source.js';
import type { SourceConfig } from '../config/config.types.js';
import { UpstreamTimeoutError, UpstreamUnavailableError } from '../profiles/profile.errors.js';
import type { JsonValue } from '../profiles/profile.model.js';
import type { NotFoundRule } from '../sources/shared/upstream-http.contract.js';
import { createUpstreamHttp } from '../sources/upstream-http.factory.js';
import type { ResilientUpstreamHttp } from './resilient-upstream-http.js';
import { UpstreamSaturatedError } from './upstream-saturated.error.js';

const USER = { user: { id: '15241578750190521233', identifier: 'user-3' } };
const NOT_FOUND: NotFoundRule = { id: '15241578750190521233', isProfileNotFound: (_body: JsonValue | undefined) => false };

/** The defaults of the configuration file: 2 s budget, 16 in flight, 100 queued, 5 consecutive failures open. */
function sourceConfig(baseUrl: string, overrides: Partial<SourceConfig> = {}): SourceConfig {
  return testSourceConfig({
    name: 'product-analytics',
    kind: 'vemetric',
    baseUrl,
    token: 'vem_abcdefghijklmnopqrstuvwxyz012345',
    retries: 2,
    maxResponseBytes: 100_000,
    maxConcurrency: 16,
    maxQueue: 100,
    ...overrides,
  });
}

async function settle(lookups: Array<Promise<unknown>>): Promise<{ ok: number; errors: unknown[] }> {
  const results = await Promise.allSettled(lookups);
  const errors = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
  return { ok: results.length - errors.length, errors };
}

/**
 * Issue 17, item 3: the circuit breaker counts the upstream's failures only. Lookups that time out because they
 * waited in this instance's own bulkhead queue, or are refused because the queue is full, say nothing about the
 * upstream and must not open the circuit.
 */
describe('circuit breaker under local saturation (integration)', () => {
  let fake: FakeUpstream;
  const clients: ResilientUpstreamHttp[] = [];

  function client(overrides: Partial<SourceConfig> = {}): ResilientUpstreamHttp {
    const created = createUpstreamHttp(sourceConfig(fake.url, overrides), new HttpService(axios.create()), {}, { backoff: { initialDelayMs: 20, maxDelayMs: 100 } });
    clients.push(created);
    return created;
  }

  const lookup = (sut: ResilientUpstreamHttp) => sut.getJson({ path: '/v1/users/single', query: [['id', NOT_FOUND.id]] }, { requestId: 'r1' }, NOT_FOUND);

  beforeAll(async () => {
    fake = await startFakeUpstream(() => ({ status: 200, body: USER }));
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => fake.reset());

  afterEach(() => {
    for (const created of clients.splice(0)) created.close();
  });

  it('should keep the circuit closed when 40 lookups of an upstream answering in 1.2 s time out in the queue', async () => {
    const sut = client();
    fake.setLatency(1_200);

    const { ok, errors } = await settle(Array.from({ length: 40 }, () => lookup(sut)));

    expect(ok).toBe(16);
    expect(errors).toHaveLength(24);
    for (const error of errors) expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(sut.circuitState()).toBe('closed');
    fake.setLatency(0);
    await expect(lookup(sut)).resolves.toMatchObject({ status: 200 });
  }, 15_000);

  it('should keep the circuit closed when lookups are refused because the queue is full', async () => {
    const sut = client({ maxConcurrency: 2, maxQueue: 2 });
    fake.setLatency(300);

    const { ok, errors } = await settle(Array.from({ length: 20 }, () => lookup(sut)));

    expect(ok).toBe(4);
    expect(errors).toHaveLength(16);
    for (const error of errors) expect(error).toBeInstanceOf(UpstreamSaturatedError);
    expect(sut.circuitState()).toBe('closed');
  }, 15_000);

  it('should still open the circuit when the upstream itself hangs, queued lookups included', async () => {
    const sut = client({ timeoutMs: 500 });
    fake.setDefault({ type: 'hang' });

    const { ok } = await settle(Array.from({ length: 40 }, () => lookup(sut)));

    expect(ok).toBe(0);
    expect(sut.circuitState()).toBe('open');
    await expect(lookup(sut)).rejects.toBeInstanceOf(UpstreamUnavailableError);
  }, 15_000);

  it('should open the circuit for a hanging upstream under sustained load, where nearly every call queues first', async () => {
    // One slot and a lookup every 100 ms: each call waits in the queue behind one the upstream never answers.
    const sut = client({ timeoutMs: 400, maxConcurrency: 1, maxQueue: 50, circuitBreaker: { failureThreshold: 3, halfOpenAfterMs: 30_000 } });
    fake.setDefault({ type: 'hang' });
    const lookups: Array<Promise<unknown>> = [];

    for (let i = 0; i < 30 && sut.circuitState() === 'closed'; i++) {
      lookups.push(lookup(sut));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await settle(lookups);

    expect(sut.circuitState()).toBe('open');
  }, 15_000);
});
