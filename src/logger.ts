import { writeSync } from 'node:fs';

import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';

import type { GatewayConfig } from './config/config.types.js';
import { mergeTraceLogFields, traceLogFields } from './tracing/trace-hooks.js';

/**
 * Paths that could hold a secret. Upstream tokens never reach a log call in the first place; this is the second line
 * of defence (caller keys arrive in `authorization`). No wildcard paths: they cost several microseconds on every
 * line, and the gateway never logs configuration objects.
 */
const REDACT = ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', 'key'];

/**
 * Lines written during one turn of the event loop, handed to the target as one write at the end of the turn
 * (`setImmediate`): a busy gateway logs dozens of requests per turn, and each separate write would be a write
 * request of its own. Nothing is held back longer than the turn, and a burst goes out in writes of at most about
 * 16 KiB (what a pipe takes at once), so a write still under way when the process exits is a small one. `flushSync()` writes the target's buffer out
 * synchronously, then what is still pending here, in that order.
 */
const HAND_OVER_BYTES = 16_384;

export class TurnBatchedStream implements pino.DestinationStream {
  private pending = '';
  private scheduled = false;

  constructor(
    private readonly target: { write(data: string): unknown; flushSync(): void },
    private readonly writeSync: (data: string) => void,
  ) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= HAND_OVER_BYTES) this.handOver();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.handOver);
    }
  }

  flushSync(): void {
    this.target.flushSync();
    const data = this.pending;
    this.pending = '';
    if (data.length > 0) this.writeSync(data);
  }

  private readonly handOver = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const data = this.pending;
    this.pending = '';
    this.target.write(data);
  };
}

/**
 * Standard output, written asynchronously: lines are batched per event-loop turn (`TurnBatchedStream`) and written
 * without blocking a request; what queues up while a write is under way goes out with the next one. `flushSync()`
 * writes out everything pending: on exit (every exit, `process.exit` included) and so after a fatal error.
 */
export function asyncStdout(): pino.DestinationStream & { flushSync(): void } {
  const destination = new TurnBatchedStream(pino.destination({ dest: 1, sync: false, minLength: 0 }), (data) => {
    let buffer = Buffer.from(data, 'utf8');
    while (buffer.length > 0) {
      try {
        buffer = buffer.subarray(writeSync(1, buffer));
      } catch (error) {
        // A full pipe (non-blocking stdout): try again; anything else means stdout is gone.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
  });
  // On every exit (process.exit included), what is still queued is written before the process ends.
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      // stdout already closed: nothing more can be written
    }
  });
  return destination;
}

export function createLogger(level: GatewayConfig['log']['level'], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'profile-gateway' },
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // trace_id / span_id inside a traced request; outside one (and with tracing off) a no-op check.
      mixin: traceLogFields,
      mixinMergeStrategy: mergeTraceLogFields,
    },
    destination,
  );
}

/**
 * An uncaught exception or unhandled rejection is logged at fatal level and ends the process with code 1; the `exit`
 * handler of `asyncStdout` writes out every queued line first.
 */
export function exitOnFatalError(logger: Logger): void {
  process.once('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception: exiting');
    process.exit(1);
  });
  process.once('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled rejection: exiting');
    process.exit(1);
  });
}

/** Nest's own messages (start-up, module wiring) through the same pino logger. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
