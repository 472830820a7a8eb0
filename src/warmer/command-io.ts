import type { ProgressStream } from './warm-progress.js';
import type { Clock } from './worker-pool.js';

/** The process around the command, injectable for tests. */
export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdin: AsyncIterable<Buffer | string>;
  stdout: { write(text: string): unknown };
  /** Progress, notes, problems and logs. */
  stderr: ProgressStream;
  /**
   * Aborted on SIGINT or SIGTERM: no new ids, the summary so far, exit code 130 (143 when the abort reason is
   * `'SIGTERM'`).
   */
  signal?: AbortSignal;
  clock?: Clock;
  /** Plain progress lines every this many ms (default 2 s). */
  progressIntervalMs?: number;
  /** How long to wait for Redis to connect before giving up (default 10 s). */
  redisConnectTimeoutMs?: number;
}
