import { jest } from '@jest/globals';

import { GENERATION_RECHECK_MS, SourceGenerations } from './source-generations.js';

describe('SourceGenerations', () => {
  let now = 0;
  const clock = { now: () => now };

  beforeEach(() => {
    now = 1_000_000;
  });

  it('should use generation 0 without Redis and raise it on each local purge', () => {
    const generations = new SourceGenerations(clock);

    expect(generations.current('crm')).toBe(0);
    expect(generations.bumpLocal('crm')).toBe(1);
    expect(generations.current('crm')).toBe(1);
    expect(generations.current('other')).toBe(0);
  });

  it('should read a source generation from Redis at most once a second, and share one read between concurrent lookups', async () => {
    const read = jest.fn((_source: string) => Promise.resolve(3));
    const generations = new SourceGenerations({ ...clock, read });

    const [first, second] = await Promise.all([generations.current('crm'), generations.current('crm')]);
    now += GENERATION_RECHECK_MS - 1;
    const withinASecond = generations.current('crm');
    now += 1;
    read.mockResolvedValueOnce(4);
    const afterASecond = await generations.current('crm');

    expect([first, second, withinASecond, afterASecond]).toEqual([3, 3, 3, 4]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('should be unknown while Redis has never answered, so the lookup keeps away from Redis', async () => {
    const generations = new SourceGenerations({ ...clock, read: () => Promise.resolve(undefined) });

    expect(await generations.current('crm')).toBeUndefined();
  });

  it('should keep the known generation when Redis fails, and ask again only a second later', async () => {
    const read = jest.fn((_source: string) => Promise.resolve<number | undefined>(2));
    const generations = new SourceGenerations({ ...clock, read });
    await generations.current('crm');
    now += GENERATION_RECHECK_MS;
    read.mockResolvedValue(undefined);

    expect(await generations.current('crm')).toBe(2);
    expect(generations.current('crm')).toBe(2);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('should never go back to an older generation, whether read or announced', async () => {
    const generations = new SourceGenerations({ ...clock, read: () => Promise.resolve(1) });

    expect(generations.learn('crm', 5)).toBe(5);
    expect(generations.learn('crm', 4)).toBe(5);
    now += GENERATION_RECHECK_MS;
    expect(await generations.current('crm')).toBe(5);
  });
});
