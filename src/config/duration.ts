/** Go-style durations ("1h30m", "5m", "300ms", "1.5h"), as step-ca's config and clients write them. */

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;

/** The longest duration Go has (int64 nanoseconds, about 2562047h): longer ones are refused, as Go's ParseDuration refuses them. */
export const MAX_DURATION_MS = 9_223_372_036_854.775;

/** Parses a duration to milliseconds; returns undefined when the text is not one, or it is longer than MAX_DURATION_MS. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  let sign = 1;
  let rest = s;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    sign = rest.startsWith('-') ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  for (let m = PART.exec(rest); m; m = PART.exec(rest)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed = PART.lastIndex;
  }
  if (consumed !== rest.length || !(total <= MAX_DURATION_MS)) return undefined;
  return sign * total;
}

/** Formats milliseconds the way Go prints a duration ("24h0m0s"), for messages. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let s = Math.abs(Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return h ? `${sign}${h}h${m}m${s}s` : m ? `${sign}${m}m${s}s` : `${sign}${s}s`;
}
