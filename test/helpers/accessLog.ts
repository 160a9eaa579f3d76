/** One access-log line as `fedca start` writes it (src/api/accessLog.ts). */
export interface LogEntry {
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly clientSubject?: string;
}

/** Parses access-log lines (each must be one JSON object). */
export function parseLog(lines: readonly string[]): LogEntry[] {
  return lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as LogEntry);
}

/** The `GET /provisioners` listings (with or without /1.0) among access-log lines: how often a client looked. */
export function provisionerListings(lines: readonly string[]): string[] {
  return parseLog(lines)
    .filter((e) => e.method === 'GET' && /^(\/1\.0)?\/provisioners$/.test(e.path))
    .map((e) => e.path);
}
