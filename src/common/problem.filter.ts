import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainError, UnauthorizedError, ValidationError } from '../profiles/profile.errors.js';
import { type Problem, problem, PROBLEM_CONTENT_TYPE, STATUS_OF, type TransportCode } from './problem.js';

function transportCode(status: number): TransportCode {
  switch (status) {
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'METHOD_NOT_ALLOWED';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    default:
      return 'BAD_REQUEST';
  }
}

/** Builds the problem body and headers of any thrown value; unknown errors become a bare 500. */
export function toProblem(error: unknown, requestId: string): { body: Problem; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (error instanceof DomainError) {
    const status = STATUS_OF[error.code];
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    if (error instanceof UnauthorizedError) {
      headers['www-authenticate'] = error.invalidToken ? 'Bearer realm="profile-gateway", error="invalid_token"' : 'Bearer realm="profile-gateway"';
    }
    const errors = error instanceof ValidationError ? error.errors : undefined;
    return { body: problem(status, error.code, error.message, requestId, { source: error.source, errors }), headers };
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    const detail = status === 404 ? 'No such route' : error.message;
    return { body: problem(status, transportCode(status), detail, requestId), headers };
  }
  return { body: problem(500, 'INTERNAL_ERROR', `Internal error; see the gateway log under request id ${requestId}`, requestId), headers };
}

/**
 * The one place where errors become HTTP: domain codes map to statuses (`STATUS_OF`), bodies are
 * `application/problem+json`, and a 500 shows only the request id (details go to the log).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { body, headers } = toProblem(error, String(request.id));
    // For the request log line and the request metrics.
    if (request.facts) request.facts.problemCode = body.code;
    if (body.status >= 500 && body.code === 'INTERNAL_ERROR') {
      request.log.error({ err: error }, 'unhandled error');
    }
    const cacheStatus = (error as { cacheStatus?: unknown }).cacheStatus;
    if (typeof cacheStatus === 'string') headers['cache-status'] = cacheStatus;
    void reply.status(body.status).headers(headers).type(PROBLEM_CONTENT_TYPE).send(body);
  }
}
