import { UpstreamUnavailableError } from '../profiles/profile.errors.js';

/**
 * The source's bulkhead is full: `maxConcurrency` calls in flight and `maxQueue` waiting. Same code and status as an
 * open circuit (`UPSTREAM_UNAVAILABLE`, 503), with a message that says what happened.
 */
export class UpstreamSaturatedError extends UpstreamUnavailableError {
  constructor(source: string, maxConcurrency: number, maxQueue: number) {
    super(source, 1);
    this.message = `Upstream of source ${source} is saturated: ${maxConcurrency} calls in flight and ${maxQueue} waiting`;
  }
}
