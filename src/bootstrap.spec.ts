import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

import { hostProblem, installGracefulShutdown, requestIdOf } from './bootstrap.js';

describe('requestIdOf', () => {
  it('should keep a well-formed caller request id', () => {
    expect(requestIdOf({ headers: { 'x-request-id': 'abc-123' } })).toBe('abc-123');
  });

  it.each([[undefined], [''], ['has space'], ['x'.repeat(129)], ['bad\u0000id']])('should generate a UUID instead of %p', (value) => {
    expect(requestIdOf({ headers: { 'x-request-id': value } })).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('hostProblem', () => {
  it('should accept one Host, and no Host in HTTP/1.0', () => {
    expect(hostProblem({ httpVersion: '1.1', rawHeaders: ['Host', 'a', 'Accept', '*/*'] })).toBeUndefined();
    expect(hostProblem({ httpVersion: '1.0', rawHeaders: [] })).toBeUndefined();
  });

  it('should refuse a missing Host in HTTP/1.1 and a duplicate Host in any version', () => {
    expect(hostProblem({ httpVersion: '1.1', rawHeaders: ['Accept', '*/*'] })).toMatchObject({ code: 'BAD_REQUEST', message: 'Missing Host header' });
    expect(hostProblem({ httpVersion: '1.0', rawHeaders: ['Host', 'a', 'host', 'b'] })).toMatchObject({ code: 'BAD_REQUEST', message: 'More than one Host header' });
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
