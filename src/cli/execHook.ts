import { spawn } from 'node:child_process';
import { CliError } from './fail.js';

/**
 * Runs the `--exec` command after a renewal (with `sh -c`, its output passed
 * through), so a server can reload its certificate. Resolves when it exits 0;
 * throws CliError when it cannot start or exits otherwise.
 */
export function runExecHook(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new CliError(`cannot run the --exec command: ${err.message}`, 1)));
    child.on('close', (status, signal) => {
      if (status === 0) resolve();
      else reject(new CliError(`the --exec command ${signal ? `was killed by ${signal}` : `exited with status ${status}`}`, 1));
    });
  });
}
