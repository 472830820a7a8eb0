import { testFetched } from '../../test/support/test-profiles.js';
import { entrySizeBytes, profileEntry } from './cache-entry.js';
import { MemoryTier } from './memory-tier.js';

describe('MemoryTier', () => {
  const now = (): number => 1_000;
  const entry = profileEntry(testFetched(), 1);
  const size = entrySizeBytes('k-0', entry);

  it('should hold no more entries than fit in maxBytes, dropping the least recently used first', () => {
    const tier = new MemoryTier(1_000, now, size * 3);
    for (let i = 0; i < 3; i++) tier.put(`k-${i}`, entry, 60_000);
    tier.get('k-0');

    tier.put('k-3', entry, 60_000);

    expect(tier.usage).toEqual({ items: 3, bytes: size * 3 });
    expect(['k-0', 'k-1', 'k-2', 'k-3'].map((key) => tier.get(key) !== undefined)).toEqual([true, false, true, true]);
  });

  it('should still bound the number of entries by maxItems', () => {
    const tier = new MemoryTier(2, now, Number.MAX_SAFE_INTEGER);
    for (let i = 0; i < 5; i++) tier.put(`k-${i}`, entry, 60_000);

    expect(tier.usage.items).toBe(2);
  });

  it('should count a larger profile as more bytes', () => {
    const tier = new MemoryTier(1_000, now, size * 3);
    const large = profileEntry({ ...testFetched(), raw: { filler: 'x'.repeat(size * 2) } }, 1);
    tier.put('k-0', entry, 60_000);
    tier.put('k-1', entry, 60_000);

    tier.put('k-2', large, 60_000);

    expect(tier.get('k-2')).toBe(large);
    expect(tier.usage.items).toBeLessThan(3);
    expect(tier.usage.bytes).toBeLessThanOrEqual(size * 3);
  });
});
