/** What a benchmark reads of a server's processes from /proc: CPU time and memory. */
import { readFileSync } from 'node:fs';

/** A process and its direct children (fedca's workers). */
export function processTree(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return [pid, ...(children ? children.split(/\s+/).map(Number) : [])];
}

/** CPU seconds (user + system) a process tree has used so far. */
export function cpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => {
    const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  }, 0);
}

/** Resident memory of a process tree in MiB: `VmRSS` now, or `VmHWM` (the peak). */
export function rssMiB(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return processTree(pid).reduce((sum, p) => {
    const kb = Number(new RegExp(`${which}:\\s+(\\d+)`).exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    return sum + kb / 1024;
  }, 0);
}

export const percentile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
