/** RFC 3339 date-times, as step's clients send `notBefore`/`notAfter`. */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** True when the text has the shape of an RFC 3339 date-time (the fields may still be out of range). */
export const looksLikeRfc3339 = (text: string): boolean => RFC3339.test(text);

/**
 * Parses an RFC 3339 date-time strictly: every field in range (no month 13, no
 * February 31, no 24:00), as Go's time.Parse does. Undefined when it is not one.
 */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  const offsetHours = m[9] ? Number(m[10]) : 0;
  const offsetMinutes = m[9] ? Number(m[11]) : 0;
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (year < 100) local.setUTCFullYear(year);
  if (local.getUTCDate() !== day) return undefined;
  const fraction = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  const offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return new Date(local.getTime() + fraction - offsetMs);
}
