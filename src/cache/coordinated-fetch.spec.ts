import { jest } from '@jest/globals';

import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy } from '../config/config.types.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { ProfileCache } from './index.js';
import type { LeaseAttempt, SharedRead, SharedTier } from './shared-tier.js';

const POLICY: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 10_000 };

/** A shared tier whose commands answer only when the spec says so, logging when each is sent. */
function heldTier() {
  const sent: string[] = [];
  const answers: Array<() => void> = [];
  const later = <T>(name: string, value: T): Promise<T> => {
    sent.push(name);
    return new Promise<T>((resolve) => answers.push(() => resolve(value)));
  };
  const tier: SharedTier = {
    instanceId: 'a',
    isReady: () => true,
    read: () => later<SharedRead>('get', { ok: true, text: undefined }),
    store: () => Promise.resolve('stored' as const),
    acquireLease: () => later<LeaseAttempt>('lease', 'acquired'),
    extendLease: () => Promise.resolve('extended'),
    leaseRemainingMs: () => Promise.resolve(0),
    releaseLease: () => Promise.resolve(),
    purge: () => Promise.resolve(true),
    readGeneration: () => Promise.resolve(0),
    bumpGeneration: () => Promise.resolve(1),
    close: () => Promise.resolve(),
  };
  const settle = (): Promise<unknown> => new Promise((resolve) => setImmediate(resolve));
  /** Answers every command sent so far, then lets the cache send what comes next. */
  const answerAll = async (): Promise<void> => {
    for (const answer of answers.splice(0)) answer();
    await settle();
  };
  return { tier, sent, answerAll, settle };
}

describe('CoordinatedFetch on a miss with Redis', () => {
  it('should send the lease claim and the re-check of the entry together, in one round trip, before calling the upstream', async () => {
    const { tier, sent, answerAll, settle } = heldTier();
    const cache = new ProfileCache({ memory: { maxItems: 10, ttlMs: 30_000 } });
    cache.attachRedis(tier);
    const fetch = jest.fn<() => Promise<FetchedProfile>>().mockResolvedValue(testFetched());

    const answer = cache.get({ key: { source: 'crm', by: 'id', id: 'u1' }, policy: POLICY, directives: {}, fetch });
    await settle();
    const firstRoundTrip = [...sent];
    await answerAll();
    const secondRoundTrip = sent.slice(firstRoundTrip.length);
    const fetchedBeforeItsAnswers = fetch.mock.calls.length;
    for (let i = 0; i < 3; i++) await answerAll();
    await answer;

    expect(firstRoundTrip).toEqual(['get']);
    expect(secondRoundTrip).toEqual(['lease', 'get']);
    expect(fetchedBeforeItsAnswers).toBe(0);
    expect(fetch).toHaveBeenCalledTimes(1);
    await cache.close();
  });
});
