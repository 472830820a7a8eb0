import { z } from 'zod';

import type { JsonObject, JsonValue } from '../../profiles/profile.model.js';
import { normalizeTimestamp } from '../../profiles/timestamps.js';

/** Thrown by mappers and body checks when an upstream body cannot be used; sources turn it into `UPSTREAM_BAD_RESPONSE`. */
export class UpstreamBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamBodyError';
  }
}

/** The value when it is a string, else null ("when it is a string" in the contract's tables). */
export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required upstream timestamp, normalized; unparseable makes the whole body unusable. */
export function requiredTimestamp(field: string, value: unknown): string {
  const normalized = normalizeTimestamp(value);
  if (normalized === null) throw new UpstreamBodyError(`${field} is not a timestamp`);
  return normalized;
}

/** Any JSON value (already parsed safely). */
export const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

/** A JSON object with arbitrary keys and values, kept as received. */
export const jsonObject = z.record(z.string(), jsonValue);

/**
 * Checks an upstream body against a kind's schema.
 * @throws UpstreamBodyError naming the first problems (paths only, never values)
 */
export function parseUpstreamBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`);
  throw new UpstreamBodyError(`unexpected shape (${problems.join('; ')})`);
}
