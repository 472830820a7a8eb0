import { jest } from '@jest/globals';

import { Deadline } from './deadline.js';

describe(Deadline.name, () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('should count the budget down and fire when it is spent', () => {
    const sut = new Deadline(1_000);

    jest.advanceTimersByTime(400);

    expect(sut.remainingMs()).toBe(600);
    expect(sut.signal.aborted).toBe(false);

    jest.advanceTimersByTime(600);

    expect(sut.signal.aborted).toBe(true);
    expect(sut.remainingMs()).toBe(0);
  });

  it('should settle a race with the work when it ends in time', async () => {
    const sut = new Deadline(1_000);

    await expect(sut.race(Promise.resolve(42), () => new Error('late'))).resolves.toBe(42);
    await expect(sut.race(Promise.reject(new Error('boom')), () => new Error('late'))).rejects.toThrow('boom');
  });

  it('should reject a race when the budget is spent, whatever the work does', async () => {
    const sut = new Deadline(1_000);
    const race = sut.race(new Promise<number>(() => undefined), () => new Error('late'));

    jest.advanceTimersByTime(1_000);

    await expect(race).rejects.toThrow('late');
  });

  it('should not fire after dispose', () => {
    const sut = new Deadline(1_000);

    sut.dispose();
    jest.advanceTimersByTime(2_000);

    expect(sut.signal.aborted).toBe(false);
  });
});
