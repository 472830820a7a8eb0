import { jest } from '@jest/globals';

import { VirtualClock } from '../../test/support/virtual-clock.js';
import { type AttemptResult, PauseGate, runPool, systemClock } from './worker-pool.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('runPool', () => {
  it('should never run more attempts at once than the concurrency and finish every item once', async () => {
    const clock = new VirtualClock();
    let active = 0;
    let maxActive = 0;
    const seen: number[] = [];

    const run = await runPool(
      range(20),
      async (item): Promise<AttemptResult> => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        seen.push(item);
        await clock.sleep(5 + (item % 3));
        active -= 1;
        return { done: true };
      },
      { concurrency: 3, gate: new PauseGate(clock), clock },
    );

    expect(maxActive).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(range(20));
    expect(run).toEqual({ finished: 20, notStarted: 0, unfinished: 0 });
  });

  it('should start no more workers than items when the concurrency is larger', async () => {
    const clock = new VirtualClock();
    let active = 0;
    let maxActive = 0;

    const run = await runPool(
      range(2),
      async (): Promise<AttemptResult> => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await clock.sleep(1);
        active -= 1;
        return { done: true };
      },
      { concurrency: 16, gate: new PauseGate(clock), clock },
    );

    expect(maxActive).toBe(2);
    expect(run.finished).toBe(2);
  });

  it('should hold every worker until the announced time and retry the item when an attempt asks for a pause', async () => {
    const clock = new VirtualClock();
    const gate = new PauseGate(clock);
    const events: Array<{ type: 'attempt'; item: number; pauses: number; at: number } | { type: 'pause'; until: number }> = [];
    const pauseUntil = gate.pauseUntil.bind(gate);
    jest.spyOn(gate, 'pauseUntil').mockImplementation((until) => {
      events.push({ type: 'pause', until });
      pauseUntil(until);
    });

    const run = await runPool(
      range(6),
      async (item, pauses): Promise<AttemptResult> => {
        events.push({ type: 'attempt', item, pauses, at: clock.now() });
        await clock.sleep(10);
        if (item === 2 && pauses === 0) return { done: false, pauseUntilMs: clock.now() + 1_000 };
        return { done: true };
      },
      { concurrency: 3, gate, clock },
    );

    expect(run).toEqual({ finished: 6, notStarted: 0, unfinished: 0 });
    const pauseAt = events.findIndex((e) => e.type === 'pause');
    const pause = events[pauseAt] as { until: number };
    const later = events.slice(pauseAt + 1).filter((e) => e.type === 'attempt');
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const attempt of later) expect(attempt.at).toBeGreaterThanOrEqual(pause.until);
    expect(events.filter((e) => e.type === 'attempt' && e.item === 2).map((e) => (e as { pauses: number }).pauses)).toEqual([0, 1]);
  });

  it('should not start any attempt while blockedUntil is in the future and announce the pause once', async () => {
    const clock = new VirtualClock(1_000);
    const onPause = jest.fn<(resumeAtMs: number) => void>();
    const starts: number[] = [];

    await runPool(
      range(4),
      (): Promise<AttemptResult> => {
        starts.push(clock.now());
        return Promise.resolve({ done: true });
      },
      { concurrency: 2, gate: new PauseGate(clock, () => 5_000, onPause), clock },
    );

    expect(starts).toHaveLength(4);
    for (const at of starts) expect(at).toBeGreaterThanOrEqual(5_000);
    expect(onPause).toHaveBeenCalledTimes(1);
    expect(onPause).toHaveBeenCalledWith(5_000);
  });

  it('should start no new item after the signal aborts and report the rest as not started', async () => {
    const clock = new VirtualClock();
    const stop = new AbortController();
    const started: number[] = [];

    const run = await runPool(
      range(10),
      async (item): Promise<AttemptResult> => {
        started.push(item);
        await clock.sleep(1);
        if (item === 3) stop.abort();
        return { done: true };
      },
      { concurrency: 1, gate: new PauseGate(clock), clock, signal: stop.signal },
    );

    expect(started).toEqual([1, 2, 3]);
    expect(run).toEqual({ finished: 3, notStarted: 7, unfinished: 0 });
  });

  it('should stop waiting for an attempt in flight once the grace period after the abort is over', async () => {
    const stop = new AbortController();
    const started = Date.now();

    const run = await runPool(
      range(3),
      (item): Promise<AttemptResult> => {
        if (item === 1) {
          stop.abort();
          return new Promise<AttemptResult>(() => undefined);
        }
        return Promise.resolve({ done: true });
      },
      { concurrency: 1, gate: new PauseGate(systemClock), signal: stop.signal, graceMs: 50 },
    );

    expect(run).toEqual({ finished: 0, notStarted: 2, unfinished: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('should drop an item waiting for a pause when the signal aborts', async () => {
    const clock = new VirtualClock();
    const stop = new AbortController();
    const attempt = jest.fn((): Promise<AttemptResult> => {
      stop.abort();
      return Promise.resolve({ done: false, pauseUntilMs: clock.now() + 60_000 });
    });

    const run = await runPool(range(2), attempt, { concurrency: 1, gate: new PauseGate(clock), clock, signal: stop.signal });

    expect(attempt).toHaveBeenCalledTimes(1);
    expect(run).toEqual({ finished: 0, notStarted: 1, unfinished: 1 });
  });
});

describe(PauseGate.name, () => {
  it('should keep the later time when pauses overlap', () => {
    const gate = new PauseGate(new VirtualClock(0));

    gate.pauseUntil(100);
    gate.pauseUntil(50);

    expect(gate.resumeAt()).toBe(100);
  });

  it('should wait for the later of its own pause and blockedUntil', async () => {
    const clock = new VirtualClock(0);
    const gate = new PauseGate(clock, () => 300);
    gate.pauseUntil(200);

    const open = await gate.wait();

    expect(open).toBe(true);
    expect(clock.now()).toBe(300);
  });

  it('should announce a pause once, again only when it is extended by a second or more, and a later new pause', async () => {
    const clock = new VirtualClock(0);
    const onPause = jest.fn<(resumeAtMs: number) => void>();
    const gate = new PauseGate(clock, () => 0, onPause);

    gate.pauseUntil(1_000);
    const first = gate.wait();
    gate.pauseUntil(1_500);
    await first;
    gate.pauseUntil(3_000);
    await gate.wait();
    gate.pauseUntil(5_000);
    await gate.wait();

    expect(onPause.mock.calls.map(([at]) => at)).toEqual([1_000, 3_000, 5_000]);
  });

  it('should answer false at once when the signal is already aborted', async () => {
    const clock = new VirtualClock(0);
    const gate = new PauseGate(clock);
    gate.pauseUntil(1_000);

    const open = await gate.wait(AbortSignal.abort());

    expect(open).toBe(false);
    expect(clock.now()).toBe(0);
  });
});
