import { CACHE_SHAPE_VERSION, invalidationChannel, profileCacheKey, profileLeaseKey, sourceGenerationKey } from './cache-keys.js';

describe('profileCacheKey', () => {
  it('should build prefix, versioned namespace, source, lookup kind and id when the id is plain', () => {
    expect(profileCacheKey('pgw', { source: 'crm-usertour', by: 'id', id: 'usr_123' })).toBe('pgw:profile:v3:crm-usertour:g0:id:usr_123');
  });

  it('should keep the lookup kind apart when the same id is looked up by externalId', () => {
    const byId = profileCacheKey('pgw', { source: 'product-analytics', by: 'id', id: '42' });
    const byExternalId = profileCacheKey('pgw', { source: 'product-analytics', by: 'externalId', id: '42' });

    expect(byExternalId).toBe('pgw:profile:v3:product-analytics:g0:externalId:42');
    expect(byExternalId).not.toBe(byId);
  });

  it.each([
    ['a:b', 'a%3Ab'],
    ['a/b c', 'a%2Fb%20c'],
    ['jöhn', 'j%C3%B6hn'],
    ['%41', '%2541'],
  ])('should encode the id %p as %p when it holds separators or unicode', (id, encoded) => {
    expect(profileCacheKey('pgw', { source: 's', by: 'id', id })).toBe(`pgw:profile:v3:s:g0:id:${encoded}`);
  });

  it('should carry the shape version so a mapping change never reads old entries', () => {
    expect(CACHE_SHAPE_VERSION).toBe('v3');
    expect(profileCacheKey('p', { source: 's', by: 'id', id: '1' })).toContain(`:profile:${CACHE_SHAPE_VERSION}:`);
  });
});

describe('profileLeaseKey', () => {
  it('should name the lease of a profile apart from its entry, versioned and with the id encoded', () => {
    const parts = { source: 'crm-usertour', by: 'id', id: 'a:b' } as const;

    expect(profileLeaseKey('pgw', parts)).toBe('pgw:lease:v3:crm-usertour:g0:id:a%3Ab');
    expect(profileLeaseKey('pgw', parts)).not.toBe(profileCacheKey('pgw', parts));
  });
});

describe('keys with a source generation', () => {
  const parts = { source: 'crm-usertour', by: 'id', id: 'usr_1' } as const;

  it('should put the generation between the source and the lookup kind, in the entry and the lease', () => {
    expect(profileCacheKey('pgw', parts, 7)).toBe('pgw:profile:v3:crm-usertour:g7:id:usr_1');
    expect(profileLeaseKey('pgw', parts, 7)).toBe('pgw:lease:v3:crm-usertour:g7:id:usr_1');
  });

  it('should give each generation of a source its own keys, so a purged generation is never looked up again', () => {
    expect(profileCacheKey('pgw', parts, 1)).not.toBe(profileCacheKey('pgw', parts, 0));
    expect(profileLeaseKey('pgw', parts, 1)).not.toBe(profileLeaseKey('pgw', parts, 0));
  });

  it('should default to generation 0, the generation of a source never purged', () => {
    expect(profileCacheKey('pgw', parts)).toBe(profileCacheKey('pgw', parts, 0));
  });

  it('should not let a source name that ends like a generation collide with another source', () => {
    // Source names are [a-z0-9][a-z0-9-]{0,62}: no ':' in them, so `<source>:g<n>` always splits one way.
    expect(profileCacheKey('pgw', { ...parts, source: 'a' }, 1)).not.toBe(profileCacheKey('pgw', { ...parts, source: 'a:g1' }, 0));
  });

  it('should keep the generation of a source in one key of its own, outside the entry namespace', () => {
    expect(sourceGenerationKey('pgw', 'crm-usertour')).toBe('pgw:generation:crm-usertour');
    expect(sourceGenerationKey('pgw', 'crm-usertour').startsWith('pgw:profile:')).toBe(false);
  });
});

describe('invalidationChannel', () => {
  it('should name the channel after the key prefix', () => {
    expect(invalidationChannel('pgw')).toBe('pgw:invalidate');
  });
});
