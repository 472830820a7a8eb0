import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../profiles/profile.errors.js';
import { isCircuitFailure, isRetryableAttemptFailure, isUpstreamAnswer } from './failure-policy.js';

const failure = (status: number): UpstreamFailureError => new UpstreamFailureError('src', `upstream answered ${status}`, status);

describe('isRetryableAttemptFailure', () => {
  it.each([
    ['a network failure', failure(0)],
    ['a 502', failure(502)],
    ['a 503', failure(503)],
    ['a 504', failure(504)],
    ['a 429', new UpstreamRateLimitedError('src', undefined, 429)],
    ['an attempt bound', new UpstreamTimeoutError('src', 500)],
  ])('should retry %s', (_case, error) => {
    expect(isRetryableAttemptFailure(error, false)).toBe(true);
  });

  it.each([
    ['a 500', failure(500)],
    ['a 501', failure(501)],
    ['a route 404', failure(404)],
    ['a missing user', new ProfileNotFoundError('src', '1')],
    ['a rejected id', new UpstreamRejectedIdError('src', '1')],
    ['a 401', new UpstreamAuthFailedError('src', 401)],
    ['a 403', new UpstreamAuthFailedError('src', 403)],
    ['a bad body', new UpstreamBadResponseError('src', 'body is not JSON', 200)],
    ['a refusal by the rate-limit gate', new UpstreamRateLimitedError('src', 3, 0)],
    ['an unknown error', new Error('bug')],
  ])('should not retry %s', (_case, error) => {
    expect(isRetryableAttemptFailure(error, false)).toBe(false);
  });

  it('should not retry a timeout once the budget is spent', () => {
    expect(isRetryableAttemptFailure(new UpstreamTimeoutError('src', 1000), true)).toBe(false);
  });
});

describe('isCircuitFailure', () => {
  it.each([
    ['a network failure', failure(0)],
    ['a 500', failure(500)],
    ['a 503', failure(503)],
    ['a timeout', new UpstreamTimeoutError('src', 1000)],
    ['a persistent 429', new UpstreamRateLimitedError('src', 5, 429)],
  ])('should count %s', (_case, error) => {
    expect(isCircuitFailure(error)).toBe(true);
  });

  it.each([
    ['a missing user', new ProfileNotFoundError('src', '1')],
    ['a rejected id', new UpstreamRejectedIdError('src', '1')],
    ['a 401', new UpstreamAuthFailedError('src', 401)],
    ['a 403', new UpstreamAuthFailedError('src', 403)],
    ['a route 404', failure(404)],
    ['a bad body', new UpstreamBadResponseError('src', 'body is not JSON', 200)],
    ['a refusal by the rate-limit gate', new UpstreamRateLimitedError('src', 3, 0)],
    ['an open circuit', new UpstreamUnavailableError('src', 3)],
  ])('should not count %s', (_case, error) => {
    expect(isCircuitFailure(error)).toBe(false);
  });
});

describe('isUpstreamAnswer', () => {
  it.each([
    ['a missing user', new ProfileNotFoundError('src', '1')],
    ['a rejected id', new UpstreamRejectedIdError('src', '1')],
    ['a 401', new UpstreamAuthFailedError('src', 401)],
    ['a route 404', failure(404)],
    ['a redirect', failure(302)],
  ])('should see %s as an answer', (_case, error) => {
    expect(isUpstreamAnswer(error)).toBe(true);
  });

  it.each([
    ['a 500', failure(500)],
    ['a network failure', failure(0)],
    ['a timeout', new UpstreamTimeoutError('src', 1000)],
    ['a bad body', new UpstreamBadResponseError('src', 'body is not JSON', 200)],
    ['an unknown error', new Error('bug')],
  ])('should not see %s as an answer', (_case, error) => {
    expect(isUpstreamAnswer(error)).toBe(false);
  });
});
