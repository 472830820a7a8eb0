import { jest } from '@jest/globals';

import { raceDeadline, systemClock, WAIT_ENDED } from './clock.js';

describe('raceDeadline', () => {
  it('should not make the deadline error when the work settles first', async () => {
    const onExpired = jest.fn(() => new Error('expired'));

    await expect(raceDeadline(systemClock, Promise.resolve('done'), systemClock.now() + 50, onExpired)).resolves.toBe('done');
    await new Promise((resolve) => setTimeout(resolve, 80));

    expect(onExpired).not.toHaveBeenCalled();
  });

  it('should reject with the deadline error once the deadline is reached', async () => {
    const never = new Promise<string>(() => undefined);

    await expect(raceDeadline(systemClock, never, systemClock.now() + 10, () => new Error('expired'))).rejects.toThrow('expired');
  });

  it('should end its timer with a reason of its own, not a DOMException', async () => {
    const abort = jest.spyOn(AbortController.prototype, 'abort');
    try {
      await raceDeadline(systemClock, Promise.resolve(1), systemClock.now() + 50, () => new Error('expired'));

      expect(abort).toHaveBeenCalledWith(WAIT_ENDED);
    } finally {
      abort.mockRestore();
    }
  });
});
