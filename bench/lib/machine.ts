/** The line a benchmark prints about where and when it ran: date, CPU, node, load average. */
import { cpus, loadavg } from 'node:os';

/** The 1, 5 and 15-minute load averages, as "1.23 / 2.34 / 3.45". */
export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** "2026-11-28 10:30 UTC, Intel(R) Xeon(R) … × 2, node v20.x, load average 1.00 / 2.00 / 3.00". */
export function machineLine(): string {
  const list = cpus();
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  return `${stamp} UTC, ${list[0]?.model.trim() ?? 'unknown CPU'} × ${list.length}, node ${process.version}, load average ${loadAverage()}`;
}
