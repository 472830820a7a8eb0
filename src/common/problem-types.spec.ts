import { ERROR_CODES } from '../profiles/profile.errors.js';
import { problemTypeOf } from './problem.js';
import { codeOfProblemType, PROBLEM_TYPES, problemTypeIndexPage, problemTypePage } from './problem-types.js';

describe('problem types', () => {
  it('should find each code from the last segment of its type, and nothing else', () => {
    for (const code of ERROR_CODES) expect(codeOfProblemType(problemTypeOf(code).slice('/problems/'.length))).toBe(code);
    for (const other of ['', 'NOT_FOUND', 'not_found', 'not-found/x', 'toString', '__proto__']) expect(codeOfProblemType(other)).toBeUndefined();
  });

  it('should say for every code whether retrying helps and which Retry-After applies', () => {
    for (const code of ERROR_CODES) {
      const info = PROBLEM_TYPES[code];
      expect(info.meaning.length).toBeGreaterThan(20);
      expect(info.retry.length).toBeGreaterThan(2);
      expect(info.retryAfter.length).toBeGreaterThan(2);
    }
    const withRetryAfter = ERROR_CODES.filter((code) => PROBLEM_TYPES[code].retryAfter !== 'None.');
    expect(withRetryAfter).toEqual(['RATE_LIMITED', 'UPSTREAM_RATE_LIMITED', 'UPSTREAM_UNAVAILABLE']);
  });

  it('should render escaped HTML with code spans', () => {
    const page = problemTypePage('SOURCE_NOT_FOUND');

    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('<h1><code>SOURCE_NOT_FOUND</code> (HTTP 404)</h1>');
    expect(page).toContain('<code>:source</code>');
    expect(problemTypePage('PROFILE_NOT_FOUND')).toContain('source&#39;s <code>notFoundTtl</code>');
    expect(problemTypeIndexPage().match(/<li>/g)).toHaveLength(ERROR_CODES.length);
  });
});
