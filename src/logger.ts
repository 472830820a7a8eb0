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
