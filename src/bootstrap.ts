import { randomUUID } from 'node:crypto';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest, RawRequestDefaultExpression } from 'fastify';
import type { Logger } from 'pino';

import { AppModule } from './app.module.js';
import { PROBLEM_CONTENT_TYPE, problem } from './common/problem.js';
import type { GatewayConfig } from './config/config.types.js';
import { PinoNestLogger } from './logger.js';

/** A caller's `X-Request-Id` is kept when it is 1-128 visible ASCII characters; otherwise a UUID is generated. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

export interface GatewayApp {
  app: NestFastifyApplication;
  /** `http://host:port` once listening. */
  url: string;
}

/** Builds the gateway on Fastify with the production adapter options, error handling and request ids. */
export async function createGatewayApp(config: GatewayConfig, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    disableRequestLogging: true,
    genReqId: (req: RawRequestDefaultExpression) => requestIdOf(req),
    // Ids are up to 256 characters, which percent-encode to far more than Fastify's default of 100.
    maxParamLength: 16_384,
    bodyLimit: 16_384,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const status = typeof error.statusCode === 'number' && error.statusCode < 500 ? error.statusCode : 400;
      void reply
        .status(status)
        .header('x-request-id', String(request.id))
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem(status, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', 'Malformed request URL or headers', String(request.id)));
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, logger }), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', String(request.id));
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url.length > 512 ? request.url.slice(0, 512) : request.url,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
        cache: reply.getHeader('cache-status'),
      },
      'request completed',
    );
    done();
  });
  app.enableShutdownHooks();
  return app;
}

/** Creates, initializes and starts listening. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<GatewayApp> {
  const app = await createGatewayApp(config, logger);
  await app.listen(config.server.port, config.server.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return { app, url: `http://${host}:${port}` };
}
