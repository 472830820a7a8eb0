import { Inject, Injectable } from '@nestjs/common';

import { ApiKeyAuthenticator } from '../auth/api-key.authenticator.js';
import { bodyWithRaw } from '../cache/cache-entry.js';
import { cacheStatusOf } from '../cache/cache-outcome.js';
import { type CacheDirectives, CachedNotFoundError, type CacheOutcome } from '../cache/index.js';
import { toProblem } from '../common/problem.filter.js';
import type { Problem } from '../common/problem.js';
import type { ApiKeyConfig } from '../config/config.types.js';
import { UpstreamTimeoutError } from '../profiles/profile.errors.js';
import type { SourceRegistry } from '../sources/source-registry.js';
import { SOURCE_REGISTRY } from '../tokens.js';
import type { BatchLookup, BatchRequest } from './batch.dto.js';
import { ProfilesService } from './profiles.service.js';

/** Added to the largest `timeout` of the sources a batch touches: the whole batch answers within that. */
export const BATCH_MARGIN_MS = 250;

/** One lookup's answer, as it is reported in `results` and in the request metrics. */
export interface BatchItemResult {
  lookup: BatchLookup;
  status: number;
  /** JSON text of the result object. */
  json: string;
  problemCode?: string;
  /** What the cache did, for the request metrics (also for a 404 the cache answered). */
  cacheOutcome?: CacheOutcome;
  durationMs: number;
}

export interface BatchContext {
  /** The caller's key; undefined with `auth.disabled`. */
  key: ApiKeyConfig | undefined;
  directives: CacheDirectives;
  requestId: string;
  /** Told the status of each upstream attempt the batch's lookups make (the batch request's log line). */
  onUpstreamAttempt?: (status: number) => void;
}

/** Waits `ms` and resolves; injectable so tests run on a virtual clock. */
export type Delay = (ms: number) => { promise: Promise<void>; cancel(): void };

export const realDelay: Delay = (ms) => {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
};

export const BATCH_DELAY = Symbol('BATCH_DELAY');

/** The identity of a lookup within one batch: a repeated one is fetched once. */
function lookupKey(lookup: BatchLookup): string {
  return `${lookup.source}\u0000${lookup.by}\u0000${lookup.id}`;
}

function failureJson(lookup: BatchLookup, problem: Problem): string {
  return JSON.stringify({ source: lookup.source, id: lookup.id, by: lookup.by, status: problem.status, problem });
}

/**
 * Answers the lookups of `POST /profiles/batch` (contract §7): each one exactly as `GET /profiles/:source/:id` would
 * decide it (the key's scope, the source, the id rules, the cache and its single-flight, the upstream), all at once,
 * within the largest budget of the sources touched plus `BATCH_MARGIN_MS`. Lookups still running then are reported
 * as 504 `UPSTREAM_TIMEOUT` (their upstream calls go on and are cached for the next request).
 */
@Injectable()
export class BatchService {
  constructor(
    @Inject(ProfilesService) private readonly profiles: ProfilesService,
    @Inject(ApiKeyAuthenticator) private readonly authenticator: ApiKeyAuthenticator,
    @Inject(SOURCE_REGISTRY) private readonly registry: SourceRegistry,
    @Inject(BATCH_DELAY) private readonly delay: Delay,
  ) {}

  /** The time the whole batch may take: the largest `timeout` of its known sources plus the margin. */
  budgetMsOf(lookups: readonly BatchLookup[]): number {
    let largest = 0;
    for (const name of new Set(lookups.map((lookup) => lookup.source))) {
      const runtime = this.registry.find(name);
      if (runtime) largest = Math.max(largest, runtime.config.timeoutMs);
    }
    return largest + BATCH_MARGIN_MS;
  }

  async run(request: BatchRequest, context: BatchContext): Promise<BatchItemResult[]> {
    const startedAt = performance.now();
    const byKey = new Map<string, Promise<BatchItemResult>>();
    const pending = request.lookups.map((lookup) => {
      const key = lookupKey(lookup);
      let result = byKey.get(key);
      if (!result) {
        result = this.one(lookup, request.includeRaw, context, startedAt);
        byKey.set(key, result);
      }
      return result;
    });
    const budgetMs = this.budgetMsOf(request.lookups);
    const deadline = this.delay(budgetMs);
    const late = deadline.promise.then(() => 'late' as const);
    try {
      return await Promise.all(
        pending.map(async (result, index) => {
          const settled = await Promise.race([result, late]);
          if (settled !== 'late') return settled;
          const lookup = request.lookups[index]!;
          const error = new UpstreamTimeoutError(lookup.source, budgetMs);
          return this.failure(lookup, error, context.requestId, startedAt);
        }),
      );
    } finally {
      deadline.cancel();
    }
  }

  private async one(lookup: BatchLookup, includeRaw: boolean, context: BatchContext, startedAt: number): Promise<BatchItemResult> {
    try {
      if (context.key) this.authenticator.authorize(context.key, lookup.source);
      const answer = await this.profiles.getProfile({
        source: lookup.source,
        id: lookup.id,
        by: lookup.by,
        directives: context.directives,
        requestId: context.requestId,
        onUpstreamAttempt: context.onUpstreamAttempt,
      });
      const { entry } = answer;
      const profile = includeRaw ? bodyWithRaw(entry) : entry.body;
      const cacheStatus = cacheStatusOf(answer.outcome);
      const head = JSON.stringify({ source: lookup.source, id: lookup.id, by: lookup.by, status: 200, cacheStatus, etag: entry.etag });
      return {
        lookup,
        status: 200,
        json: `${head.slice(0, -1)},"profile":${profile}}`,
        cacheOutcome: answer.outcome,
        durationMs: performance.now() - startedAt,
      };
    } catch (error) {
      return this.failure(lookup, error, context.requestId, startedAt);
    }
  }

  private failure(lookup: BatchLookup, error: unknown, requestId: string, startedAt: number): BatchItemResult {
    const { body } = toProblem(error, requestId);
    const cacheOutcome = error instanceof CachedNotFoundError ? error.facts.outcome : undefined;
    return { lookup, status: body.status, json: failureJson(lookup, body), problemCode: body.code, cacheOutcome, durationMs: performance.now() - startedAt };
  }
}
