import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Every file and folder under `dir` with its content hash and mode, to show that
 * a refused command wrote nothing (compare two snapshots with deepEqual).
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const st = statSync(path);
      const key = relative(dir, path);
      if (st.isDirectory()) {
        out[key + '/'] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(path);
      } else {
        out[key] = `${createHash('sha256').update(readFileSync(path)).digest('hex')} ${(st.mode & 0o777).toString(8)}`;
      }
    }
  };
  walk(dir);
  return out;
}
