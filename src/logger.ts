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
 * Standard output, written asynchronously: a line is queued and written without blocking the request, and lines that
 * queue up while a write is under way go out together in the next one. Nothing is held back when the gateway is
 * quiet (no minimum buffer length). `flushSync()` writes out what is queued: on exit and after a fatal error.
 */
export function asyncStdout(): pino.DestinationStream & { flushSync(): void } {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 0 });
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
