import { VirtualClock } from '../../test/support/virtual-clock.js';
import { createProgress, progressLine, progressRates } from './warm-progress.js';
import { WarmTally } from './warm-summary.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 200, write: (text: string) => chunks.push(text) } };
}

describe('progressRates', () => {
  it('should compute ids per second and the time left at that rate', () => {
    expect(progressRates(50, 200, 10_000)).toEqual({ perSecond: 5, etaMs: 30_000 });
  });

  it('should have no ETA before the first id is done', () => {
    expect(progressRates(0, 200, 0)).toEqual({ perSecond: 0, etaMs: undefined });
  });
});

describe('progressLine', () => {
  it('should show done/total, each count, the rate and the ETA', () => {
    const tally = new WarmTally(10);
    tally.record('1', { kind: 'refreshed' });
    tally.record('2', { kind: 'failed', code: 'UPSTREAM_ERROR', message: 'm' });

    expect(progressLine('crm', tally, 1_000)).toBe('warm crm: 2/10 (refreshed 1, not found 0, failed 1, skipped 0), 2.0/s, ETA 4.0 s');
  });
});

describe('createProgress', () => {
  it('should write plain lines for notes and a final line when the stream is not a terminal', () => {
    const { chunks, stream } = sink(false);
    const clock = new VirtualClock();
    const tally = new WarmTally(1);
    const progress = createProgress({ source: 'crm', total: 1, stream, clock });

    progress.note('warm: pausing');
    tally.record('1', { kind: 'refreshed' });
    progress.update(tally);
    clock.advance(500);
    progress.stop(tally);

    expect(chunks).toEqual(['warm: pausing\n', 'warm crm: 1/1 (refreshed 1, not found 0, failed 0, skipped 0), 2.0/s, ETA 0 ms\n']);
  });

  it('should write a line every interval while the run goes on', async () => {
    const { chunks, stream } = sink(false);
    const tally = new WarmTally(3);
    const progress = createProgress({ source: 'crm', total: 3, stream, intervalMs: 20 });
    progress.update(tally);

    await new Promise((resolve) => setTimeout(resolve, 70));
    progress.stop(tally);

    expect(chunks.filter((c) => c.startsWith('warm crm: 0/3')).length).toBeGreaterThanOrEqual(3);
  });

  it('should draw a bar with the failures on a terminal', () => {
    const { chunks, stream } = sink(true);
    const tally = new WarmTally(4);
    const progress = createProgress({ source: 'crm', total: 4, stream });

    tally.record('1', { kind: 'failed', code: 'UPSTREAM_ERROR', message: 'm' });
    progress.update(tally);
    progress.stop(tally);

    const output = chunks.join('');
    expect(output).toContain('warm crm [');
    expect(output).toContain('1/4');
    expect(output).toContain('failed 1');
  });
});
