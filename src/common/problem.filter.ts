import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { DomainError, type ErrorCode, UnauthorizedError, ValidationError } from '../profiles/profile.errors.js';
import { type Problem, problem, PROBLEM_CONTENT_TYPE } from './problem.js';
import { MethodNotAllowedError } from './request-errors.js';

/** Node's HTTP parser error codes (`clientError`) that are not a malformed request in general. */
const PARSER_CODES: Record<string, ErrorCode> = { HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE' };

/** Code of a 4xx that Fastify, one of its plugins or Nest answered by itself. */
function codeOfFrameworkStatus(status: number): ErrorCode {
  switch (status) {
    // @fastify/static refuses paths outside its root (`/docs/../../etc/passwd`) and dotfiles with 403: nothing is
    // served there, so it is an unknown path like any other.
    case 403:
    case 404:
      return 'NOT_FOUND';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 431:
      return 'HEADERS_TOO_LARGE';
    default:
      return 'BAD_REQUEST';
  }
}

const DETAILS: Partial<Record<ErrorCode, string>> = {
  BAD_REQUEST: 'Malformed request',
  NOT_FOUND: 'No such route',
  PAYLOAD_TOO_LARGE: 'The request body is larger than this route accepts',
  UNSUPPORTED_MEDIA_TYPE: 'The request body has a media type this route does not accept',
  HEADERS_TOO_LARGE: 'The request line and headers are too large',
};

function frameworkStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return error instanceof Error && typeof status === 'number' ? status : undefined;
}

function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The one mapping of every error to HTTP, whatever raised it: domain errors (the code decides the status through
 * `STATUS_OF`), Nest's and Fastify's own 4xx (unknown route, malformed percent-encoding, body limits, static files),
 * and Node's HTTP parser errors (`clientError`). Anything else is a bug: a 500 that shows only the request id.
 */
export function toProblem(error: unknown, requestId: string): { body: Problem; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (error instanceof DomainError) {
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
    if (error instanceof UnauthorizedError) {
      headers['www-authenticate'] = error.invalidToken ? 'Bearer realm="profile-gateway", error="invalid_token"' : 'Bearer realm="profile-gateway"';
    }
    if (error instanceof MethodNotAllowedError) headers.allow = error.allow.join(', ');
    const errors = error instanceof ValidationError ? error.errors : undefined;
    return { body: problem(error.code, error.message, requestId, { source: error.source, errors }), headers };
  }
  const code = errorCodeOf(error);
  if (code === 'FST_ERR_BAD_URL') {
    // A URL whose percent-encoding is malformed (`%E0%A4%A`) carries an unreadable `:source` or `:id`: the caller's
    // input, so VALIDATION_ERROR like any other bad id.
    const errors = [{ field: 'url', message: 'malformed percent-encoding' }];
    return { body: problem('VALIDATION_ERROR', 'The request URL has malformed percent-encoding', requestId, { errors }), headers };
  }
  if (code?.startsWith('HPE_')) {
    const parserCode = PARSER_CODES[code] ?? 'BAD_REQUEST';
    return { body: problem(parserCode, DETAILS[parserCode] ?? 'Malformed request', requestId), headers };
  }
  const status = frameworkStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    const frameworkCode = codeOfFrameworkStatus(status);
    return { body: problem(frameworkCode, DETAILS[frameworkCode] ?? 'Malformed request', requestId), headers };
  }
  return { body: problem('INTERNAL_ERROR', `Internal error; see the gateway log under request id ${requestId}`, requestId), headers };
}

/**
 * Sends the problem answer of `error` on a Fastify reply: problem+json, the request id, and the problem code recorded
 * for the request log line and the metrics. Used by the Nest filter and by the gateway's own Fastify hooks.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply {
  const { body, headers } = toProblem(error, String(request.id));
  if (request.facts) request.facts.problemCode = body.code;
  if (body.code === 'INTERNAL_ERROR') request.log.error({ err: error }, 'unhandled error');
  return reply.status(body.status).headers(headers).header('x-request-id', String(request.id)).type(PROBLEM_CONTENT_TYPE).send(body);
}

/** The Nest side of the one error mapping: every error a controller, guard or pipe throws goes through `toProblem`. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    void sendProblem(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>(), error);
  }
}
