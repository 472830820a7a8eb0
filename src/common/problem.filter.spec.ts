import { NotFoundException } from '@nestjs/common';

import {
  ERROR_CODES,
  ProfileNotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UpstreamAuthFailedError,
  UpstreamTimeoutError,
  ValidationError,
} from '../profiles/profile.errors.js';
import { toProblem } from './problem.filter.js';
import { problem, problemTypeOf, STATUS_OF } from './problem.js';
import { MethodNotAllowedError } from './request-errors.js';

describe('toProblem', () => {
  it('should map a domain error to its status with source and request id', () => {
    const { body } = toProblem(new ProfileNotFoundError('crm', '42'), 'req-1');

    expect(body).toEqual({
      type: '/problems/profile-not-found',
      title: 'Not Found',
      status: 404,
      code: 'PROFILE_NOT_FOUND',
      detail: 'No profile 42 in source crm',
      source: 'crm',
      requestId: 'req-1',
    });
  });

  it('should add the field errors of a validation error', () => {
    const { body } = toProblem(new ValidationError('bad id', [{ field: 'id', message: 'must be digits' }], 'crm'), 'r');

    expect(body.status).toBe(400);
    expect(body.errors).toEqual([{ field: 'id', message: 'must be digits' }]);
  });

  it('should report an upstream credential problem as a 502, never as the caller 401', () => {
    const { body } = toProblem(new UpstreamAuthFailedError('crm', 403), 'r');

    expect(body.status).toBe(502);
    expect(body.code).toBe('UPSTREAM_AUTH_FAILED');
  });

  it('should send WWW-Authenticate with UNAUTHORIZED and Retry-After with RATE_LIMITED', () => {
    expect(toProblem(new UnauthorizedError(), 'r').headers['www-authenticate']).toBe('Bearer realm="profile-gateway"');
    expect(toProblem(new UnauthorizedError('bad key', true), 'r').headers['www-authenticate']).toBe('Bearer realm="profile-gateway", error="invalid_token"');
    expect(toProblem(new RateLimitedError(2.2), 'r').headers['retry-after']).toBe('3');
  });

  it('should map a timeout to 504 UPSTREAM_TIMEOUT', () => {
    expect(toProblem(new UpstreamTimeoutError('crm', 2000), 'r').body).toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT' });
  });

  it('should map an unknown route to 404 NOT_FOUND', () => {
    expect(toProblem(new NotFoundException('Cannot GET /nope'), 'r').body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it.each([
    ['a malformed header line', 'HPE_INVALID_HEADER_TOKEN', 400, 'BAD_REQUEST'],
    ['Content-Length with Transfer-Encoding', 'HPE_UNEXPECTED_CONTENT_LENGTH', 400, 'BAD_REQUEST'],
    ['a request head over the limit', 'HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
  ])('should map a Node parser error for %s', (_label, code, status, problemCode) => {
    expect(toProblem(Object.assign(new Error('Parse Error'), { code }), 'r').body).toMatchObject({ status, code: problemCode, requestId: 'r' });
  });

  it.each([
    ['malformed percent-encoding', { code: 'FST_ERR_BAD_URL', statusCode: 400 }, 400, 'VALIDATION_ERROR'],
    ['a body over the limit', { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 413, 'PAYLOAD_TOO_LARGE'],
    ['an unsupported body type', { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['a static path outside its root', { statusCode: 403 }, 404, 'NOT_FOUND'],
    ['another 4xx of the framework', { code: 'FST_ERR_SOMETHING', statusCode: 400 }, 400, 'BAD_REQUEST'],
    ['a 5xx of the framework', { code: 'FST_ERR_SOMETHING', statusCode: 500 }, 500, 'INTERNAL_ERROR'],
  ])('should map a Fastify error for %s', (_label, fields, status, problemCode) => {
    expect(toProblem(Object.assign(new Error('framework'), fields), 'r').body).toMatchObject({ status, code: problemCode });
  });

  it('should list the allowed methods of a 405 in Allow', () => {
    const { body, headers } = toProblem(new MethodNotAllowedError('PUT', ['GET', 'HEAD']), 'r');

    expect(body).toMatchObject({ status: 405, code: 'METHOD_NOT_ALLOWED', type: '/problems/method-not-allowed' });
    expect(headers.allow).toBe('GET, HEAD');
  });

  it('should give every code its own problem type and its status from the one map', () => {
    for (const code of ERROR_CODES) {
      const body = problem(code, 'd', 'r');
      expect(body.type).toBe(`/problems/${code.toLowerCase().replaceAll('_', '-')}`);
      expect(body.status).toBe(STATUS_OF[code]);
      expect(body.title).not.toBe('Error');
    }
    expect(problemTypeOf('UPSTREAM_TIMEOUT')).toBe('/problems/upstream-timeout');
  });

  it('should hide the details of an unexpected error behind the request id', () => {
    const { body } = toProblem(new Error('secret token abc at https://user:pw@host'), 'req-9');

    expect(body).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(body.detail).toContain('req-9');
  });
});
