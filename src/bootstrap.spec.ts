import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError } from 'fastify';
import type { Logger } from 'pino';

import { frameworkProblem, installGracefulShutdown, requestIdOf } from './bootstrap.js';

describe('requestIdOf', () => {
  it('should keep a well-formed caller request id', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'abc-123' } })).toBe('abc-123');
  });

  it.each([[undefined], [''], ['has space'], ['x'.repeat(129)], ['bad\u0000id']])('should generate a UUID instead of %p', (value) => {
    expect(requestIdOf({ headers: { 'x-request-id': value } })).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('frameworkProblem', () => {
  const fastifyError = (code: string, statusCode?: number): FastifyError => Object.assign(new Error(code), { code, statusCode });

  it('should report malformed percent-encoding as a validation error', () => {
    const { status, body } = frameworkProblem(fastifyError('FST_ERR_BAD_URL', 400), 'r1');

    expect(status).toBe(400);
    expect(body).toMatchObject({ code: 'VALIDATION_ERROR', requestId: 'r1', errors: [{ field: 'url' }] });
  });

  it('should keep a 4xx status of other framework errors and never answer 5xx', () => {
    expect(frameworkProblem(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'r').body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(frameworkProblem(fastifyError('FST_ERR_SOMETHING', 500), 'r').body).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
  });
});

describe('installGracefulShutdown', () => {
  function setup(close: () => Promise<void>) {
    const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
    const closeIdleConnections = jest.fn();
    const app = { close: jest.fn(close), getHttpServer: () => ({ closeIdleConnections }) } as unknown as NestFastifyApplication;
    const exit = jest.fn<(code: number) => void>();
    const shutdown = installGracefulShutdown(app, { logger: logger as unknown as Logger, timeoutMs: 50, signals: [], exit });
    return { shutdown, exit, logger, app };
  }

  it('should close the application and exit with 0', async () => {
    const { shutdown, exit, app, logger } = setup(() => Promise.resolve());

    await shutdown('SIGTERM');

    expect(app.close).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledWith(0);
    expect(logger.info).toHaveBeenLastCalledWith({ signal: 'SIGTERM' }, 'shutdown complete');
  });

  it('should log and exit with 1 when closing takes longer than the timeout', async () => {
    const { shutdown, exit, logger } = setup(() => new Promise(() => undefined));

    void shutdown('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 120));

    expect(exit).toHaveBeenCalledWith(1);
    expect(exit).not.toHaveBeenCalledWith(0);
    expect(logger.error).toHaveBeenCalledWith({ timeoutMs: 50 }, 'shutdown did not finish in time: forcing exit');
  });

  it('should exit at once on a second signal', async () => {
    const { shutdown, exit, app } = setup(() => new Promise(() => undefined));

    void shutdown('SIGTERM');
    await shutdown('SIGINT');

    expect(exit).toHaveBeenCalledWith(1);
    expect(app.close).toHaveBeenCalledTimes(1);
  });
});
