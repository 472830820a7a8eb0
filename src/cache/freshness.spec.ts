import type { CachePolicy } from '../config/config.types.js';
import {
  ageSeconds,
  profileLifetimeMs,
  redisTtlMs,
  stalenessSeconds,
} from './freshness.js';

const policy: CachePolicy = { ttlMs: 300_000, staleWhileRevalidateMs: 60_000, staleIfErrorMs: 86_400_000, notFoundTtlMs: 60_000 };
const fetchedAt = 1_700_000_000_000;

describe('profileLifetimeMs', () => {
  it('should add the longer of the two stale windows to ttl', () => {
    expect(profileLifetimeMs(policy)).toBe(300_000 + 86_400_000);
    expect(profileLifetimeMs({ ...policy, staleWhileRevalidateMs: 90_000_000 })).toBe(300_000 + 90_000_000);
  });
});

describe('redisTtlMs', () => {
  it('should keep a profile for its whole lifetime and a 404 for notFoundTtl', () => {
    expect(redisTtlMs({ kind: 'profile' }, policy)).toBe(86_700_000);
    expect(redisTtlMs({ kind: 'not-found' }, policy)).toBe(60_000);
  });

  it('should never ask Redis for an expiry of 0 ms', () => {
    expect(redisTtlMs({ kind: 'not-found' }, { ...policy, notFoundTtlMs: 0 })).toBe(1);
  });
});

describe('ageSeconds', () => {
  it('should count whole seconds since the fetch and never go negative', () => {
    expect(ageSeconds(fetchedAt, fetchedAt + 999)).toBe(0);
    expect(ageSeconds(fetchedAt, fetchedAt + 61_500)).toBe(61);
    expect(ageSeconds(fetchedAt, fetchedAt - 5_000)).toBe(0);
  });
});

describe('stalenessSeconds', () => {
  it('should count whole seconds past freshness', () => {
    expect(stalenessSeconds(fetchedAt, policy, fetchedAt + 100_000)).toBe(0);
    expect(stalenessSeconds(fetchedAt, policy, fetchedAt + 302_100)).toBe(2);
  });
});
