const ISO_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * Normalizes an ISO 8601 timestamp to `YYYY-MM-DDTHH:mm:ss.sssZ` in UTC (contract section 2): offsets are
 * converted, missing milliseconds added, digits beyond milliseconds truncated (never rounded).
 * Returns null when the value is not a timestamp with a date, a time and a zone.
 */
export function normalizeTimestamp(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = ISO_PATTERN.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', z, sign, oh = '00', om = '00'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  const millis = Number((frac + '000').slice(0, 3));
  let epoch = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  if (z === undefined) {
    const offsetHours = Number(oh);
    const offsetMinutes = Number(om);
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
    epoch += sign === '+' ? -offset : offset;
  }
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear keeps the year as written.
  const date = new Date(epoch);
  if (year < 100) date.setUTCFullYear(date.getUTCFullYear() - 1900);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** An optional upstream timestamp: absent/null stays null; unparseable becomes null and is reported. */
export function optionalTimestamp(
  field: string,
  value: unknown,
  onInvalid: ((field: string, value: unknown) => void) | undefined,
): string | null {
  if (value === undefined || value === null) return null;
  const normalized = normalizeTimestamp(value);
  if (normalized === null) onInvalid?.(field, value);
  return normalized;
}
