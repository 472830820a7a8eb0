import { NotFoundException } from '@nestjs/common';

import {
  ProfileNotFoundError,
  RateLimitedError,
  UnauthorizedError,
  UpstreamAuthFailedError,
  UpstreamTimeoutError,
  ValidationError,
} from '../profiles/profile.errors.js';
import { toProblem } from './problem.filter.js';

describe('toProblem', () => {
  it('should map a domain error to its status with source and request id', () => {
    const { body } = toProblem(new ProfileNotFoundError('crm', '42'), 'req-1');

    expect(body).toEqual({
      type: 'about:blank',
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

  it('should hide the details of an unexpected error behind the request id', () => {
    const { body } = toProblem(new Error('secret token abc at https://user:pw@host'), 'req-9');

    expect(body).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(body.detail).toContain('req-9');
  });
});
