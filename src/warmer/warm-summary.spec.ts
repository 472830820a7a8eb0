import { displayId, exitCodeOf, formatSummary, summaryJson, WarmTally } from './warm-summary.js';

function tallyOf(outcomes: Array<[string, 'refreshed' | 'not-found' | 'skipped' | 'failed']>, total = outcomes.length): WarmTally {
  const tally = new WarmTally(total);
  for (const [id, kind] of outcomes) {
    tally.record(id, kind === 'failed' ? { kind, code: 'UPSTREAM_ERROR', message: 'Upstream of source crm failed: upstream answered 500' } : { kind });
  }
  return tally;
}

const run = { source: 'crm', elapsedMs: 1_234.4, interrupted: false, cacheWriteFailures: 0 };

describe(WarmTally.name, () => {
  it('should count each outcome and the ids not attempted in its snapshot', () => {
    const tally = tallyOf(
      [
        ['1', 'refreshed'],
        ['2', 'refreshed'],
        ['3', 'not-found'],
        ['4', 'skipped'],
        ['5', 'failed'],
      ],
      8,
    );

    const summary = tally.snapshot(run);

    expect(summary.counts).toEqual({ total: 8, refreshed: 2, notFound: 1, failed: 1, skipped: 1, notAttempted: 3, duplicates: 0, cacheWriteFailures: 0 });
    expect(summary.failures).toEqual([{ id: '5', code: 'UPSTREAM_ERROR', message: expect.stringContaining('500') }]);
    expect(summary.elapsedMs).toBe(1_234);
  });

  it('should ignore outcomes recorded after freeze', () => {
    const tally = tallyOf([['1', 'refreshed']], 2);

    tally.freeze();
    tally.record('2', { kind: 'refreshed' });

    expect(tally.snapshot(run).counts.notAttempted).toBe(1);
  });
});

describe('exitCodeOf', () => {
  it('should be 0 when every id was refreshed, skipped or not found', () => {
    const summary = tallyOf([
      ['1', 'refreshed'],
      ['2', 'skipped'],
      ['3', 'not-found'],
    ]).snapshot(run);

    expect(exitCodeOf(summary)).toBe(0);
  });

  it('should be 2 when any id failed', () => {
    expect(exitCodeOf(tallyOf([['1', 'refreshed'], ['2', 'failed']]).snapshot(run))).toBe(2);
  });

  it('should be 2 when refreshed entries did not reach Redis', () => {
    expect(exitCodeOf(tallyOf([['1', 'refreshed']]).snapshot({ ...run, cacheWriteFailures: 1 }))).toBe(2);
  });

  it('should be 130 when interrupted, whatever else happened', () => {
    expect(exitCodeOf(tallyOf([['1', 'failed']], 3).snapshot({ ...run, interrupted: true }))).toBe(130);
  });

  it('should be the given code when interrupted by another signal', () => {
    expect(exitCodeOf(tallyOf([['1', 'refreshed']], 3).snapshot({ ...run, interrupted: true }), 143)).toBe(143);
    expect(exitCodeOf(tallyOf([['1', 'refreshed']]).snapshot(run), 143)).toBe(0);
  });
});

describe('formatSummary', () => {
  it('should state the counts and list each failed id with its code', () => {
    const text = formatSummary(tallyOf([['1', 'refreshed'], ['2', 'not-found'], ['9', 'failed']]).snapshot(run));

    expect(text).toContain('Done: warmed source crm in 1.2 s');
    expect(text).toContain('refreshed 1, not found 1, failed 1, skipped 0 of 3 ids');
    expect(text).toMatch(/^Failed ids:\n {2}9 {2}UPSTREAM_ERROR {2}Upstream of source crm failed/m);
  });

  it('should say interrupted and how many ids were not attempted', () => {
    const text = formatSummary(tallyOf([['1', 'refreshed']], 5).snapshot({ ...run, interrupted: true }));

    expect(text).toMatch(/^Interrupted: /);
    expect(text).toContain('4 not attempted');
  });

  it('should list at most 100 failures and point to --json for the rest', () => {
    const tally = tallyOf(Array.from({ length: 130 }, (_, i): [string, 'failed'] => [String(i), 'failed']));

    const lines = formatSummary(tally.snapshot(run)).trimEnd().split('\n');

    expect(lines.filter((l) => l.includes('UPSTREAM_ERROR'))).toHaveLength(100);
    expect(lines.at(-1)).toBe('  … and 30 more (--json lists all)');
  });
});

describe('summaryJson', () => {
  it('should print one JSON line with the counts, all failures, the elapsed time and the exit code', () => {
    const json = summaryJson(tallyOf([['1', 'refreshed'], ['2', 'failed']]).snapshot(run));

    expect(json.endsWith('\n')).toBe(true);
    expect(json.trimEnd().includes('\n')).toBe(false);
    expect(JSON.parse(json)).toEqual({
      source: 'crm',
      counts: { total: 2, refreshed: 1, notFound: 0, failed: 1, skipped: 0, notAttempted: 0, duplicates: 0, cacheWriteFailures: 0 },
      failures: [{ id: '2', code: 'UPSTREAM_ERROR', message: expect.any(String) }],
      elapsedMs: 1_234,
      interrupted: false,
      exitCode: 2,
    });
  });
});

describe('displayId', () => {
  it('should print a visible ASCII id as is and quote one with spaces or control characters', () => {
    expect(displayId('usr_42')).toBe('usr_42');
    expect(displayId('team alpha')).toBe('"team alpha"');
    expect(displayId('a\u0007b')).toBe('"a\\u0007b"');
  });
});
