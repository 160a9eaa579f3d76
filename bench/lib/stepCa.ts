/**
 * step-ca 0.19 beside fedca, for side-by-side benchmarks: $STEP_CA, or the build the tests use
 * (test/helpers/stepCa.ts: shared/peers/build-step-ca.sh from Debian's packaged sources),
 * configured with the same root, intermediate (and its encrypted key), JWK provisioner and
 * claims as a fedca home, and its default Badger store on disk.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stepCaBinary as builtStepCa } from '../../test/helpers/stepCa.js';
import type { RunningServer } from './fedca.js';

/**
 * The step-ca binary: $STEP_CA, else the one the tests use (shared/peers/build-step-ca.sh's cached
 * build, built now if absent: about a minute). Throws when neither can be had.
 */
export async function stepCaBinary(): Promise<string> {
  if (process.env.STEP_CA) return process.env.STEP_CA;
  const { binary, reason } = await builtStepCa();
  if (!binary) throw new Error(`no step-ca: set STEP_CA, or ${reason}`);
  return binary;
}

/** Writes a step-ca ca.json in `dir` that serves the CA of a fedca home on `port`; returns its path. */
export function writeStepCaConfig(fedcaHome: string, dir: string, port: number): string {
  const fedca = JSON.parse(readFileSync(join(fedcaHome, 'config/ca.json'), 'utf8')) as { authority: { claims: unknown; provisioners: unknown[] } };
  const config = {
    root: join(fedcaHome, 'pki/root_ca.crt'),
    crt: join(fedcaHome, 'pki/intermediate_ca.crt'),
    key: join(fedcaHome, 'pki/secrets/intermediate_ca_key'),
    address: `127.0.0.1:${port}`,
    dnsNames: ['localhost', '127.0.0.1'],
    logger: { format: 'text' },
    db: { type: 'badgerv2', dataSource: join(dir, 'step-db') },
    authority: { claims: fedca.authority.claims, provisioners: fedca.authority.provisioners },
    tls: { minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
  };
  const file = join(dir, 'step-ca.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Starts step-ca on a config and resolves once it serves. Its log (a line per request) goes to
 * `step-ca.log` beside the config, not to a pipe: a benchmark that waits synchronously for wrk
 * would leave a pipe undrained, and step-ca would block on its own log after 64 KiB.
 */
export function startStepCa(binary: string, config: string, passwordFile: string, port: number): Promise<RunningServer> {
  const logFile = join(dirname(config), 'step-ca.log');
  const log = openSync(logFile, 'w');
  // step-ca's flags go before its config argument (urfave/cli stops at the first argument).
  const child = spawn(binary, ['--password-file', passwordFile, config], { stdio: ['ignore', 'ignore', log] });
  closeSync(log);
  return new Promise((resolve, reject) => {
    const exited = (code: number | null): void => {
      clearInterval(poll);
      reject(new Error(`step-ca exited ${code}: ${readFileSync(logFile, 'utf8').slice(-2000)}`));
    };
    child.once('exit', exited);
    const started = Date.now();
    const poll = setInterval(() => {
      if (readFileSync(logFile, 'utf8').includes('Serving HTTPS on')) {
        clearInterval(poll);
        child.off('exit', exited);
        resolve({ child, port });
      } else if (Date.now() - started > 30_000) {
        clearInterval(poll);
        child.kill();
        reject(new Error(`step-ca did not start within 30 s: ${readFileSync(logFile, 'utf8').slice(-2000)}`));
      }
    }, 50);
  });
}
