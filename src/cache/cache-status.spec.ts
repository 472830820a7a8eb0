import { cacheStatus } from './cache-status.js';

describe('cacheStatus', () => {
  it('should describe a fresh hit with the whole seconds left', () => {
    expect(cacheStatus.hit(42)).toBe('profile-gateway; hit; ttl=42');
  });

  it('should describe a stale hit with a negative ttl', () => {
    expect(cacheStatus.hit(-3)).toBe('profile-gateway; hit; ttl=-3');
  });

  it('should describe a miss, and a collapsed miss', () => {
    expect(cacheStatus.miss(false)).toBe('profile-gateway; fwd=miss; stored');
    expect(cacheStatus.miss(true)).toBe('profile-gateway; fwd=miss; stored; collapsed');
  });

  it('should describe a no-cache refresh, and a collapsed one', () => {
    expect(cacheStatus.request(false)).toBe('profile-gateway; fwd=request; stored');
    expect(cacheStatus.request(true)).toBe('profile-gateway; fwd=request; stored; collapsed');
  });

  it('should describe a stale answer served while revalidating', () => {
    expect(cacheStatus.staleWhileRevalidate()).toBe('profile-gateway; hit; fwd=stale; detail=stale-while-revalidate');
  });

  it('should describe a stale answer served because the upstream failed, with its status', () => {
    expect(cacheStatus.staleIfError(503, false)).toBe('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error');
    expect(cacheStatus.staleIfError(0, true)).toBe('profile-gateway; fwd=stale; fwd-status=0; detail=stale-if-error; collapsed');
  });
});
