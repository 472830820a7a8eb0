import { jest } from '@jest/globals';

import type { CacheAnswer, CacheLookup, ProfileCache } from '../cache/index.js';
import type { SourceConfig } from '../config/config.types.js';
import { LookupNotSupportedError, SourceNotFoundError, ValidationError } from '../profiles/profile.errors.js';
import type { ProfileSource } from '../profiles/profile-source.port.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import { ProfilesService } from './profiles.service.js';

function setup() {
  const source = {
    name: 'crm',
    kind: 'usertour',
    validateLookup: jest.fn((lookup: { id: string; by: string }) => {
      if (lookup.by === 'externalId') throw new LookupNotSupportedError('crm', 'usertour', 'externalId');
      if (lookup.id === 'bad') throw new ValidationError('bad id', [{ field: 'id', message: 'bad' }], 'crm');
    }),
    fetchProfile: jest.fn(),
  } as unknown as jest.Mocked<ProfileSource>;
  const policy = { ttlMs: 1000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 500 };
  const registry = {
    get: jest.fn((name: string) => {
      if (name !== 'crm') throw new SourceNotFoundError(name);
      return { source, config: { cache: policy, timeoutMs: 2000 } as SourceConfig, close: () => undefined };
    }),
  } as unknown as SourceRegistry;
  const answer = { outcome: { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false } } as CacheAnswer;
  const get = jest.fn<(lookup: CacheLookup) => Promise<CacheAnswer>>().mockResolvedValue(answer);
  const cache = { get } as unknown as ProfileCache;
  return { sut: new ProfilesService(registry, cache), source, get, answer, policy };
}

describe(ProfilesService.name, () => {
  describe('getProfile', () => {
    it('should answer through the cache with the source policy, key, directives and the source timeout as the budget', async () => {
      const { sut, get, answer, policy } = setup();

      const result = await sut.getProfile({ source: 'crm', id: 'u1', by: undefined, directives: { noCache: true }, requestId: 'r' });

      expect(result).toBe(answer);
      expect(get).toHaveBeenCalledWith(
        expect.objectContaining({ key: { source: 'crm', by: 'id', id: 'u1' }, policy, directives: { noCache: true }, budgetMs: 2000 }),
      );
    });

    it('should fetch through the source with the lookup, the request id and what is left of the budget', async () => {
      const { sut, get, source } = setup();
      await sut.getProfile({ source: 'crm', id: 'u1', by: 'id', directives: {}, requestId: 'req-7' });

      source.fetchProfile.mockRejectedValue(new Error('not needed'));
      await get.mock.calls[0]![0].fetch({ budgetMs: 1234 }).catch(() => undefined);

      expect(source.fetchProfile).toHaveBeenCalledWith({ id: 'u1', by: 'id' }, { requestId: 'req-7', budgetMs: 1234 });
    });

    it('should reject an unknown source before validating anything', async () => {
      const { sut, get } = setup();

      await expect(sut.getProfile({ source: 'nope', id: 'bad', by: 'email', directives: {}, requestId: 'r' })).rejects.toBeInstanceOf(SourceNotFoundError);
      expect(get).not.toHaveBeenCalled();
    });

    it.each([
      ['an unknown by value', 'u1', 'email', ValidationError],
      ['by=externalId on a kind without it', 'u1', 'externalId', LookupNotSupportedError],
      ['an id the kind rejects', 'bad', undefined, ValidationError],
    ])('should reject %s before any cache access', async (_what, id, by, type) => {
      const { sut, get } = setup();

      await expect(sut.getProfile({ source: 'crm', id, by, directives: {}, requestId: 'r' })).rejects.toBeInstanceOf(type);
      expect(get).not.toHaveBeenCalled();
    });
  });
});
