import { jest } from '@jest/globals';

import type { RedisConfig } from '../config/config.types.js';
import { RedisBreaker, redisBreakerFor } from './redis-breaker.js';

function replyError(): Error {
  const error = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
  error.name = 'ReplyError';
  return error;
}

const timeout = (): Error => new Error('Command timed out');

describe('RedisBreaker', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('should open after the threshold of consecutive failures, a success in between starting the count again', () => {
    const sut = new RedisBreaker({ failureThreshold: 2 });

    sut.failure(timeout());
    sut.success();
    sut.failure(timeout());
    const afterOne = sut.isOpen();
    sut.failure(timeout());

    expect(afterOne).toBe(false);
    expect(sut.isOpen()).toBe(true);
  });

  it('should not count error replies: Redis answered them', () => {
    const sut = new RedisBreaker({ failureThreshold: 1 });

    sut.failure(replyError());

    expect(sut.isOpen()).toBe(false);
  });

  it('should probe every connection while open, stay open while a probe fails and close once all answer', async () => {
    const warn = jest.fn();
    const info = jest.fn();
    const sut = new RedisBreaker({ failureThreshold: 1, probeEveryMs: 100, logger: { warn, info } });
    let cacheAnswers = false;
    const cacheProbe = jest.fn(() => (cacheAnswers ? Promise.resolve('PONG') : Promise.reject(timeout())));
    const limiterProbe = jest.fn(() => Promise.resolve('PONG'));
    sut.addProbe(cacheProbe);
    sut.addProbe(limiterProbe);

    sut.failure(timeout());
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(250);
    const probesWhileDown = cacheProbe.mock.calls.length;
    const openWhileDown = sut.isOpen();
    cacheAnswers = true;
    await jest.advanceTimersByTimeAsync(100);

    expect(openWhileDown).toBe(true);
    expect(probesWhileDown).toBe(3);
    expect(sut.isOpen()).toBe(false);
    expect(limiterProbe).toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(info).toHaveBeenCalledTimes(1);
  });

  it('should bound a probe that never settles and try again', async () => {
    const sut = new RedisBreaker({ failureThreshold: 1, probeEveryMs: 50, probeTimeoutMs: 200 });
    const probe = jest.fn(() => new Promise<never>(() => undefined));
    sut.addProbe(probe);

    sut.failure(timeout());
    await jest.advanceTimersByTimeAsync(0);
    await jest.advanceTimersByTimeAsync(260);

    expect(probe).toHaveBeenCalledTimes(2);
    expect(sut.isOpen()).toBe(true);
  });

  it('should close when a command that was already on its way gets its answer', () => {
    const sut = new RedisBreaker({ failureThreshold: 1 });

    sut.failure(timeout());
    sut.success();

    expect(sut.isOpen()).toBe(false);
  });

  it('should stop probing once every connection removed its probe', async () => {
    const sut = new RedisBreaker({ failureThreshold: 1, probeEveryMs: 10 });
    const probe = jest.fn(() => Promise.reject(timeout()));
    const remove = sut.addProbe(probe);
    sut.failure(timeout());
    await jest.advanceTimersByTimeAsync(35);
    const calls = probe.mock.calls.length;

    remove();
    await jest.advanceTimersByTimeAsync(100);

    expect(calls).toBeGreaterThan(1);
    expect(probe).toHaveBeenCalledTimes(calls);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('redisBreakerFor', () => {
  it('should give the cache and the rate limiter of one Redis configuration the same breaker, and another one to another', () => {
    const config: RedisConfig = { url: 'redis://127.0.0.1:6379', keyPrefix: 'pgw', commandTimeoutMs: 500 };
    const other: RedisConfig = { ...config };

    expect(redisBreakerFor(config)).toBe(redisBreakerFor(config));
    expect(redisBreakerFor(other)).not.toBe(redisBreakerFor(config));
  });
});
