/**
 * Durations of the configuration file.
 *
 * A duration is either a number of milliseconds (`250`) or a string of an integer and one unit:
 * `ms`, `s`, `m`, `h` or `d` (`250ms`, `30s`, `5m`, `24h`, `7d`). `d` (24 hours) is accepted because
 * stale-if-error windows of several days are common and `168h` reads poorly. A string of digits only
 * (`"250"`, as produced by `${VAR}` interpolation) is also milliseconds.
 *
 * Rejected: negative values, fractions (`1.5s`; write `1500ms`), empty strings, spaces, unknown or
 * upper-case units, several units (`1m30s`) and values beyond `Number.MAX_SAFE_INTEGER` milliseconds.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

type DurationUnit = keyof typeof UNIT_MS;

const DURATION_PATTERN = /^(\d+)(ms|s|m|h|d)?$/;

/** Largest delay a Node timer honours; longer `setTimeout` delays fire at once. */
export const MAX_TIMER_MS = 2_147_483_647;

export const DURATION_HINT = 'a number of milliseconds or an integer with a unit ms, s, m, h or d (e.g. 250ms, 30s, 5m, 24h)';

export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/** Parses a duration without throwing; the message is phrased to follow a config path. */
export function tryParseDuration(value: unknown): DurationResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value)) return { ok: false, message: `must be ${DURATION_HINT}` };
    if (value < 0) return { ok: false, message: 'must not be negative' };
    if (!Number.isSafeInteger(value)) return { ok: false, message: 'is too large' };
    return { ok: true, ms: value };
  }
  if (typeof value !== 'string') return { ok: false, message: `must be ${DURATION_HINT}` };
  if (value.startsWith('-')) return { ok: false, message: 'must not be negative' };
  const match = DURATION_PATTERN.exec(value);
  if (!match) return { ok: false, message: `must be ${DURATION_HINT}` };
  const amount = Number(match[1]);
  const unit = (match[2] ?? 'ms') as DurationUnit;
  const ms = amount * UNIT_MS[unit];
  if (!Number.isSafeInteger(ms)) return { ok: false, message: 'is too large' };
  return { ok: true, ms };
}

/**
 * Parses a duration into milliseconds.
 * @throws RangeError when the value is not a valid duration
 */
export function parseDuration(value: unknown): number {
  const result = tryParseDuration(value);
  if (!result.ok) throw new RangeError(`Invalid duration ${JSON.stringify(value)}: ${result.message}`);
  return result.ms;
}
