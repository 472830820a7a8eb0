import { CACHE_SHAPE_VERSION, invalidationChannel, profileCacheKey, profileLeaseKey } from './cache-keys.js';

describe('profileCacheKey', () => {
  it('should build prefix, versioned namespace, source, lookup kind and id when the id is plain', () => {
    expect(profileCacheKey('pgw', { source: 'crm-usertour', by: 'id', id: 'usr_123' })).toBe('pgw:profile:v2:crm-usertour:id:usr_123');
  });

  it('should keep the lookup kind apart when the same id is looked up by externalId', () => {
    const byId = profileCacheKey('pgw', { source: 'product-analytics', by: 'id', id: '42' });
    const byExternalId = profileCacheKey('pgw', { source: 'product-analytics', by: 'externalId', id: '42' });

    expect(byExternalId).toBe('pgw:profile:v2:product-analytics:externalId:42');
    expect(byExternalId).not.toBe(byId);
  });

  it.each([
    ['a:b', 'a%3Ab'],
    ['a/b c', 'a%2Fb%20c'],
    ['jöhn', 'j%C3%B6hn'],
    ['%41', '%2541'],
  ])('should encode the id %p as %p when it holds separators or unicode', (id, encoded) => {
    expect(profileCacheKey('pgw', { source: 's', by: 'id', id })).toBe(`pgw:profile:v2:s:id:${encoded}`);
  });

  it('should carry the shape version so a mapping change never reads old entries', () => {
    expect(CACHE_SHAPE_VERSION).toBe('v2');
    expect(profileCacheKey('p', { source: 's', by: 'id', id: '1' })).toContain(`:profile:${CACHE_SHAPE_VERSION}:`);
  });
});

describe('profileLeaseKey', () => {
  it('should name the lease of a profile apart from its entry, versioned and with the id encoded', () => {
    const parts = { source: 'crm-usertour', by: 'id', id: 'a:b' } as const;

    expect(profileLeaseKey('pgw', parts)).toBe('pgw:lease:v2:crm-usertour:id:a%3Ab');
    expect(profileLeaseKey('pgw', parts)).not.toBe(profileCacheKey('pgw', parts));
  });
});

describe('invalidationChannel', () => {
  it('should name the channel after the key prefix', () => {
    expect(invalidationChannel('pgw')).toBe('pgw:invalidate');
  });
});
