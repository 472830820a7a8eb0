import cliProgress from 'cli-progress';

import { formatDuration, type WarmTally } from './warm-summary.js';
import { type Clock, systemClock } from './worker-pool.js';

/** Where progress goes (stderr): a terminal gets a bar, anything else plain lines. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** Terminal width; the bar is cut to it. */
  columns?: number;
}

/** Progress of a run: updated after every id, told about pauses, stopped once at the end. */
export interface WarmProgress {
  update(tally: WarmTally): void;
  /** One line of information (a pause, an interruption), shown without breaking the bar. */
  note(line: string): void;
  stop(tally: WarmTally): void;
}

export interface ProgressOptions {
  source: string;
  total: number;
  stream: ProgressStream;
  /** Plain mode: a line every `intervalMs` (default 2 s). */
  intervalMs?: number;
  clock?: Clock;
}

/** Ids per second so far, and the time left at that rate (undefined before the first id). */
export function progressRates(done: number, total: number, elapsedMs: number): { perSecond: number; etaMs: number | undefined } {
  const perSecond = elapsedMs > 0 ? (done * 1_000) / elapsedMs : 0;
  return { perSecond, etaMs: perSecond > 0 ? ((total - done) / perSecond) * 1_000 : undefined };
}

/** One plain progress line, e.g. `warm crm: 120/1000 (refreshed 100, not found 10, failed 2, skipped 8), 35.2/s, ETA 25.0 s`. */
export function progressLine(source: string, tally: WarmTally, elapsedMs: number): string {
  const { perSecond, etaMs } = progressRates(tally.done, tally.total, elapsedMs);
  return (
    `warm ${source}: ${tally.done}/${tally.total} (refreshed ${tally.refreshed}, not found ${tally.notFound}, failed ${tally.failed}, skipped ${tally.skipped}), ` +
    `${perSecond.toFixed(1)}/s, ETA ${etaMs === undefined ? '-' : formatDuration(etaMs)}`
  );
}

export function createProgress(options: ProgressOptions): WarmProgress {
  return options.stream.isTTY === true ? new BarProgress(options) : new LineProgress(options);
}

/** Plain lines every few seconds and at the end (logs, CI, cron mail). */
class LineProgress implements WarmProgress {
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout;
  private latest: WarmTally | undefined;

  constructor(private readonly options: ProgressOptions) {
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.timer = setInterval(() => {
      if (this.latest) this.options.stream.write(progressLine(this.options.source, this.latest, this.clock.now() - this.startedAt) + '\n');
    }, options.intervalMs ?? 2_000);
    this.timer.unref();
  }

  update(tally: WarmTally): void {
    this.latest = tally;
  }

  note(line: string): void {
    this.options.stream.write(line + '\n');
  }

  stop(tally: WarmTally): void {
    clearInterval(this.timer);
    this.options.stream.write(progressLine(this.options.source, tally, this.clock.now() - this.startedAt) + '\n');
  }
}

/** A cli-progress bar: done/total, rate, ETA and failures; notes are printed above it. */
class BarProgress implements WarmProgress {
  private readonly clock: Clock;
  private readonly startedAt: number;
  private readonly bars: cliProgress.MultiBar;
  private readonly bar: cliProgress.SingleBar;

  constructor(options: ProgressOptions) {
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.bars = new cliProgress.MultiBar(
      {
        stream: options.stream as NodeJS.WritableStream,
        format: `warm ${options.source} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted} | failed {failed}`,
        barsize: 24,
        hideCursor: true,
        fps: 5,
        etaBuffer: 100,
        autopadding: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.bars.create(options.total, 0, { rate: '0.0', failed: 0 });
  }

  update(tally: WarmTally): void {
    const { perSecond } = progressRates(tally.done, tally.total, this.clock.now() - this.startedAt);
    this.bar.update(tally.done, { rate: perSecond.toFixed(1), failed: tally.failed });
  }

  note(line: string): void {
    this.bars.log(line + '\n');
  }

  stop(tally: WarmTally): void {
    this.update(tally);
    this.bars.stop();
  }
}
