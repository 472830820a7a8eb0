import { memoryCache as setup, status, T0 } from '../../test/support/cache-spec-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import { UpstreamTimeoutError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { ProfileCache } from './index.js';

describe(`${ProfileCache.name} time budget`, () => {
    it('should give the upstream call the whole budget when nothing was waited for', async () => {
      const { cache, fetch, lookup } = setup({ budgetMs: 1_500 });
      fetch.mockResolvedValue(testFetched());

      await cache.get(lookup());

      expect(fetch).toHaveBeenCalledWith({ budgetMs: 1_500 });
    });

    it('should answer UPSTREAM_TIMEOUT at the budget while a joined call is still running', async () => {
      const { cache, clock, fetch, lookup } = setup({ budgetMs: 1_000 });
      fetch.mockReturnValue(new Promise<FetchedProfile>(() => undefined));

      const first = cache.get(lookup());
      await clock.advance(600);
      const joined = cache.get(lookup());
      const firstError = clock.run(first.catch((error: unknown) => error));
      expect(await firstError).toBeInstanceOf(UpstreamTimeoutError);
      expect(clock.now()).toBe(T0 + 1_000);
      expect(await clock.run(joined.catch((error: unknown) => error))).toBeInstanceOf(UpstreamTimeoutError);
      expect(clock.now()).toBe(T0 + 1_600);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should answer the stale copy when the budget runs out and stale-if-error applies', async () => {
      const { cache, clock, fetch, lookup } = setup({ budgetMs: 1_000 });
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await clock.advance(20_000);
      fetch.mockReturnValueOnce(new Promise<FetchedProfile>(() => undefined));

      const answer = await clock.run(cache.get(lookup()));

      expect(status(answer)).toBe('profile-gateway; fwd=stale; detail=stale-if-error');
      expect(clock.now()).toBe(T0 + 21_000);
    });
  });
