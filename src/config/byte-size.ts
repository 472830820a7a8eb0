/**
 * Byte sizes of the configuration file (`maxResponseSize`).
 *
 * A byte size is a number of bytes (`1048576`) or a string of an integer and a unit: `b`, `kb`, `kib`,
 * `mb` or `mib`, in any letter case (`512kb`, `1mb`, `1MiB`). Units are binary: `kb` and `kib` are both
 * 1024 bytes, `mb` and `mib` both 1024², like nginx's `1m`; a response limit has no use for the decimal
 * variants. A string of digits only (from `${VAR}` interpolation) is a number of bytes.
 */

const UNIT_BYTES = { b: 1, kb: 1024, kib: 1024, mb: 1024 * 1024, mib: 1024 * 1024 } as const;

type ByteUnit = keyof typeof UNIT_BYTES;

const BYTE_SIZE_PATTERN = /^(\d+)(b|kb|kib|mb|mib)?$/i;

export const BYTE_SIZE_HINT = 'a number of bytes or an integer with a unit b, kb, mb (e.g. 512kb, 1mb)';

export type ByteSizeResult = { ok: true; bytes: number } | { ok: false; message: string };

/** Parses a byte size without throwing; the message is phrased to follow a config path. */
export function tryParseByteSize(value: unknown): ByteSizeResult {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { ok: false, message: `must be ${BYTE_SIZE_HINT}` };
    if (value < 0) return { ok: false, message: 'must not be negative' };
    if (!Number.isSafeInteger(value)) return { ok: false, message: 'is too large' };
    return { ok: true, bytes: value };
  }
  if (typeof value !== 'string') return { ok: false, message: `must be ${BYTE_SIZE_HINT}` };
  if (value.startsWith('-')) return { ok: false, message: 'must not be negative' };
  const match = BYTE_SIZE_PATTERN.exec(value);
  if (!match) return { ok: false, message: `must be ${BYTE_SIZE_HINT}` };
  const unit = (match[2] ?? 'b').toLowerCase() as ByteUnit;
  const bytes = Number(match[1]) * UNIT_BYTES[unit];
  if (!Number.isSafeInteger(bytes)) return { ok: false, message: 'is too large' };
  return { ok: true, bytes };
}

/**
 * Parses a byte size into bytes.
 * @throws RangeError when the value is not a valid byte size
 */
export function parseByteSize(value: unknown): number {
  const result = tryParseByteSize(value);
  if (!result.ok) throw new RangeError(`Invalid byte size ${JSON.stringify(value)}: ${result.message}`);
  return result.bytes;
}
