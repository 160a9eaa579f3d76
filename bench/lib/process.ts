/** What a benchmark reads of a server's processes from /proc: CPU time and memory. */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

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

/** CPU seconds (user + system) used so far by each process whose command line contains `text` (PostgreSQL backends show their database there). */
export function cpuSecondsByPid(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / 100);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU seconds used between two `cpuSecondsByPid` samples (processes that ended meanwhile are not counted). */
export function cpuSecondsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}

/** Resident memory of a process tree in MiB: `VmRSS` now, or `VmHWM` (the peak). */
export function rssMiB(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  return processTree(pid).reduce((sum, p) => {
    const kb = Number(new RegExp(`${which}:\\s+(\\d+)`).exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    return sum + kb / 1024;
  }, 0);
}

const PAGE = 4096;
/** /proc/PID/pagemap entries read at a time (8 bytes each). */
const PAGEMAP_BATCH = 65_536;

/** The physical page numbers (PFNs) of the resident pages of one process, from /proc/PID/pagemap (root only: others read PFNs as 0). */
function residentFrames(pid: number, into: Set<number>): void {
  const buf = Buffer.alloc(8 * PAGEMAP_BATCH);
  const fd = openSync(`/proc/${pid}/pagemap`, 'r');
  try {
    let range: [number, number] | undefined;
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const mapping = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
      if (mapping) {
        range = [Number(BigInt(`0x${mapping[1]}`) / BigInt(PAGE)), Number(BigInt(`0x${mapping[2]}`) / BigInt(PAGE))];
        continue;
      }
      // Only mappings with resident pages are read: node reserves gigabytes it never touches.
      if (!range || !/^Rss:\s+[1-9]/.test(line)) continue;
      for (let page = range[0]; page < range[1]; page += PAGEMAP_BATCH) {
        const count = Math.min(PAGEMAP_BATCH, range[1] - page);
        const bytes = readSync(fd, buf, 0, count * 8, page * 8);
        for (let i = 0; i + 8 <= bytes; i += 8) {
          const high = buf.readUInt32LE(i + 4);
          // Bit 63: present; bits 0–54: the page frame number.
          if (high & 0x80000000) into.add((high & 0x7fffff) * 2 ** 32 + buf.readUInt32LE(i));
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Physical memory a process tree occupies, in MiB, each resident page counted once:
 * for one process this is its RSS; for fedca's primary and workers, summing their
 * RSS counts the pages they share (node's own code, the libraries: about 45 MiB a
 * process here) once per process. NaN when the page numbers cannot be read (not root).
 */
export function residentMiB(pid: number): number {
  const frames = new Set<number>();
  for (const p of processTree(pid)) residentFrames(p, frames);
  if (frames.size === 0 || (frames.size === 1 && frames.has(0))) return NaN;
  return (frames.size * PAGE) / (1024 * 1024);
}

export const percentile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
