import {
  BrokenCircuitError,
  bulkhead,
  type BulkheadPolicy,
  BulkheadRejectedError,
  circuitBreaker,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  ExponentialBackoff,
  handleType,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryContext,
  IsolatedCircuitError,
  retry,
  type RetryPolicy,
  TaskCancelledError,
} from 'cockatiel';

import type { SourceConfig } from '../config/config.types.js';
import { UpstreamError, UpstreamRateLimitedError, UpstreamTimeoutError, UpstreamUnavailableError } from '../profiles/profile.errors.js';
import type { FetchContext } from '../profiles/profile-source.port.js';
import type {
  AttemptLimits,
  NotFoundRule,
  RawUpstreamResponse,
  UpstreamHttp,
  UpstreamJson,
  UpstreamObserver,
  UpstreamRequest,
  UpstreamTransport,
} from '../sources/shared/upstream-http.contract.js';
import { Deadline } from './deadline.js';
import { isCircuitFailure, isRetryableAttemptFailure, isUpstreamAnswer } from './failure-policy.js';
import { announcedWaitMs, RateLimitGate } from './rate-limit.js';
import { UpstreamSaturatedError } from './upstream-saturated.error.js';

/** Turns one raw answer into the JSON body or a domain error (see `classifyResponse`). */
export type ResponseClassifier = (response: RawUpstreamResponse, notFound: NotFoundRule, nowMs: number) => UpstreamJson;

export type CircuitStateName = 'closed' | 'open' | 'half-open';

/** Tuning that is not part of the configuration file; the defaults suit the gateway. */
export interface ResilienceOptions {
  /** Bound of one attempt from its start to the response headers. Default: only the remaining budget. */
  headersTimeoutMs?: number;
  /** Bound of one attempt from the headers to the end of the body. Default: only the remaining budget. */
  bodyTimeoutMs?: number;
  /** Exponential backoff with decorrelated jitter between attempts. Defaults: 100 ms initial, 1 s at most. */
  backoff?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Longest upstream-announced rate-limit wait that is trusted. Default: 15 minutes. */
  maxRateLimitWaitMs?: number;
  /** Opens the trace span of each attempt (the gateway's tracing passes one in when it is on); absent, none is. */
  tracer?: AttemptTracer;
}

/** One upstream attempt's trace span: `run` makes it current (so the attempt's `traceparent` names it). */
export interface AttemptSpan {
  run<T>(fn: () => T): T;
  /** `status`: the upstream's HTTP status (0 = none); `failure`: what the attempt threw, if it failed. */
  end(status: number, failure: unknown): void;
}

/**
 * Starts the span of one attempt from configuration only (the source's name, kind and base URL) and the request's
 * url template; `resendCount` is 0 for the first attempt. Implemented by `startUpstreamAttempt` in src/tracing/.
 */
export type AttemptTracer = (source: Pick<SourceConfig, 'name' | 'kind' | 'baseUrl'>, urlTemplate: string | undefined, resendCount: number) => AttemptSpan;

/** A retry is worth scheduling only if at least this much of the budget is left for the attempt after the wait. */
export const MIN_ATTEMPT_MS = 50;
/** Added to an upstream-announced wait so the retry lands after the upstream's reset, not on it. */
const ANNOUNCED_WAIT_SLACK_MS = 10;
const DEFAULT_MAX_RATE_LIMIT_WAIT_MS = 15 * 60_000;

/** Thrown by an attempt to ask the retry policy for another attempt after `delayMs`. */
class RetryLater extends Error {
  constructor(
    readonly failure: Error,
    readonly delayMs: number,
  ) {
    super('retry later');
  }
}

/** What the circuit breaker sees: a value, or an upstream answer that is an error for the caller but a success for the breaker. */
type BreakerOutcome = { value: UpstreamJson } | { answer: unknown };

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

/**
 * The upstream client of one source. Per lookup: one total budget (`timeoutMs`, retries and queueing included),
 * a fail-fast check of the upstream's announced rate limit, the source's circuit breaker, retries with exponential
 * backoff and jitter that honour `Retry-After` / `X-RateLimit-Reset` and never outlive the budget, and the source's
 * bulkhead around every attempt.
 */
export class ResilientUpstreamHttp implements UpstreamHttp {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly retry: RetryPolicy;
  private readonly gate: RateLimitGate;
  private readonly backoff: IBackoffFactory<unknown>;
  /** Timeouts caused by this instance's own saturation (time spent in the bulkhead queue), not by the upstream. */
  private readonly locallySaturated = new WeakSet<object>();
  /** `performance.now()` of the latest answer (any status) the upstream sent to an attempt. */
  private lastAnswerAt = Number.NEGATIVE_INFINITY;
  private openedAt = 0;

  constructor(
    private readonly config: SourceConfig,
    private readonly transport: UpstreamTransport,
    private readonly classify: ResponseClassifier,
    private readonly observer: UpstreamObserver = {},
    private readonly options: ResilienceOptions = {},
  ) {
    this.gate = new RateLimitGate(options.maxRateLimitWaitMs ?? DEFAULT_MAX_RATE_LIMIT_WAIT_MS);
    this.backoff = new ExponentialBackoff({ initialDelay: options.backoff?.initialDelayMs ?? 100, maxDelay: options.backoff?.maxDelayMs ?? 1000 });
    this.breaker = circuitBreaker(
      handleWhen((error) => isCircuitFailure(error) && !(error instanceof Error && this.locallySaturated.has(error))),
      { halfOpenAfter: config.circuitBreaker.halfOpenAfterMs, breaker: new ConsecutiveBreaker(config.circuitBreaker.failureThreshold) },
    );
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
    });
    this.breaker.onStateChange((state) => observer.onCircuitState?.(config.name, STATE_NAMES[state]));
    this.bulkhead = bulkhead(config.maxConcurrency, config.maxQueue);
    this.retry = retry(handleType(RetryLater), {
      maxAttempts: config.retries,
      backoff: new DelegateBackoff((context) => ('error' in context.result && context.result.error instanceof RetryLater ? context.result.error.delayMs : 0)),
    });
  }

  async getJson(request: UpstreamRequest, context: FetchContext, notFound: NotFoundRule): Promise<UpstreamJson> {
    const deadline = new Deadline(Math.min(this.config.timeoutMs, context.budgetMs ?? this.config.timeoutMs));
    try {
      this.assertNotRateLimited();
      const work = this.breaker.execute(async () => {
        try {
          return { value: await this.withRetries(request, context, notFound, deadline) } satisfies BreakerOutcome;
        } catch (error) {
          const failure = error instanceof RetryLater ? error.failure : error;
          if (isUpstreamAnswer(failure)) return { answer: failure } satisfies BreakerOutcome;
          throw failure;
        }
      }, deadline.signal);
      const outcome: BreakerOutcome = await deadline.race(work, () => this.timeoutError());
      if ('answer' in outcome) throw outcome.answer;
      return outcome.value;
    } catch (error) {
      throw this.toDomainError(error);
    } finally {
      deadline.dispose();
    }
  }

  /** State of the source's circuit breaker, for health and metrics. */
  circuitState(): CircuitStateName {
    return STATE_NAMES[this.breaker.state];
  }

  /** Epoch milliseconds until which the upstream's announced rate limit is spent, or 0 when it is not. */
  rateLimitedUntil(): number {
    return this.gate.blockedUntil(Date.now());
  }

  close(): void {
    this.transport.destroy();
  }

  private withRetries(request: UpstreamRequest, context: FetchContext, notFound: NotFoundRule, deadline: Deadline): Promise<UpstreamJson> {
    let backoff: IBackoff<unknown> | undefined;
    const nextBackoffMs = (): number => {
      backoff = backoff ? backoff.next(undefined) : this.backoff.next(undefined);
      return backoff.duration;
    };
    return this.retry.execute((retryContext) => {
      const queuedAt = this.bulkhead.executionSlots > 0 ? undefined : performance.now();
      return this.bulkhead.execute(() => this.attempt(request, context, notFound, deadline, retryContext, nextBackoffMs, queuedAt), deadline.signal);
    }, deadline.signal);
  }

  /**
   * One HTTP attempt; on failure throws either the final domain error or `RetryLater`. `queuedAt` is when the
   * attempt had to wait for a bulkhead slot (undefined when it got one at once). The budget running out for an
   * attempt that waited is the upstream's failure only when the upstream answered no attempt since it was queued
   * (it hangs); when it did answer meanwhile, the time went to this instance's queue and the circuit ignores it.
   */
  private async attempt(
    request: UpstreamRequest,
    context: FetchContext,
    notFound: NotFoundRule,
    deadline: Deadline,
    { attempt }: IRetryContext,
    nextBackoffMs: () => number,
    queuedAt?: number,
  ): Promise<UpstreamJson> {
    // A call let out of the bulkhead queue at the very end of its budget does not start an attempt.
    if (deadline.signal.aborted || deadline.remainingMs() <= 0) {
      const timeout = this.timeoutError();
      if (queuedAt !== undefined) this.locallySaturated.add(timeout);
      throw timeout;
    }
    this.assertNotRateLimited();
    const limits: AttemptLimits = {
      connectMs: this.config.connectTimeoutMs,
      headersMs: this.options.headersTimeoutMs,
      bodyMs: this.options.bodyTimeoutMs,
    };
    const started = performance.now();
    const span = this.options.tracer?.(this.config, request.template, attempt);
    let response: RawUpstreamResponse | undefined;
    let failure: unknown;
    try {
      const get = (): Promise<RawUpstreamResponse> =>
        this.transport.get(request, { signal: deadline.signal, budgetMs: this.config.timeoutMs, requestId: context.requestId, limits });
      response = await (span ? span.run(get) : get());
      this.lastAnswerAt = performance.now();
      this.gate.observe(response.status, response.headers, Date.now());
      return this.classify(response, notFound, Date.now());
    } catch (error) {
      failure = error;
      // The lookup's budget ran out while the upstream kept answering other attempts since this one queued: the
      // time went to this instance's bulkhead queue, not to the upstream.
      if (deadline.signal.aborted && queuedAt !== undefined && this.lastAnswerAt > queuedAt && error instanceof UpstreamTimeoutError) {
        this.locallySaturated.add(error);
      }
      throw this.afterFailure(error, response, attempt, deadline, nextBackoffMs);
    } finally {
      // The status the upstream answered, also when its body was then refused (e.g. over the size limit); 0 when none.
      const status = response?.status ?? (failure instanceof UpstreamError ? failure.upstreamStatus : 0);
      this.observer.onAttempt?.(this.config.name, status, performance.now() - started);
      span?.end(status, failure);
      context.onAttempt?.(status);
    }
  }

  /** Decides between another attempt (`RetryLater`) and giving up with the error at once. */
  private afterFailure(
    error: unknown,
    response: RawUpstreamResponse | undefined,
    attempt: number,
    deadline: Deadline,
    nextBackoffMs: () => number,
  ): unknown {
    const nowMs = Date.now();
    const announcedMs = response ? announcedWaitMs(response.status, response.headers, nowMs) : undefined;
    if (error instanceof UpstreamRateLimitedError && error.retryAfterSeconds === undefined && announcedMs !== undefined) {
      error.retryAfterSeconds = Math.max(1, Math.ceil(announcedMs / 1000));
    }
    if (!(error instanceof Error) || !isRetryableAttemptFailure(error, deadline.signal.aborted)) return error;
    if (attempt >= this.config.retries) return error;
    const delayMs = Math.max(nextBackoffMs(), announcedMs === undefined ? 0 : announcedMs + ANNOUNCED_WAIT_SLACK_MS);
    if (delayMs + MIN_ATTEMPT_MS > deadline.remainingMs()) return error;
    return new RetryLater(error, delayMs);
  }

  /** Fails at once while the upstream's announced budget is spent (no call is made). */
  private assertNotRateLimited(): void {
    const waitMs = this.gate.waitMs(Date.now());
    if (waitMs > 0) throw new UpstreamRateLimitedError(this.config.name, Math.max(1, Math.ceil(waitMs / 1000)), 0);
  }

  private timeoutError(): UpstreamTimeoutError {
    return new UpstreamTimeoutError(this.config.name, this.config.timeoutMs);
  }

  private toDomainError(error: unknown): unknown {
    if (error instanceof RetryLater) return error.failure;
    if (error instanceof UpstreamError) return error;
    // `instanceof`, not cockatiel's `is…Error` helpers: in 3.2 `isIsolatedCircuitError` and `isTaskCancelledError`
    // tested for the bulkhead's marker and misread a full bulkhead; a class check cannot drift that way.
    if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
      const untilHalfOpenMs = this.openedAt + this.config.circuitBreaker.halfOpenAfterMs - Date.now();
      return new UpstreamUnavailableError(this.config.name, Math.max(1, Math.ceil(untilHalfOpenMs / 1000)));
    }
    if (error instanceof BulkheadRejectedError) return new UpstreamSaturatedError(this.config.name, this.config.maxConcurrency, this.config.maxQueue);
    if (error instanceof TaskCancelledError) return this.timeoutError();
    return error;
  }
}
