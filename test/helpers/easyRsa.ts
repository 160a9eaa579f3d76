import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { exec, type ExecResult } from './exec.js';
import { skipUnless } from './requirements.js';

/** Debian's easy-rsa installs its script here, outside PATH. */
const DEBIAN_EASYRSA = '/usr/share/easy-rsa/easyrsa';

/** The easyrsa script: Debian's, else one on PATH; undefined when there is none. */
function easyRsaScript(): string | undefined {
  if (existsSync(DEBIAN_EASYRSA)) return DEBIAN_EASYRSA;
  return spawnSync('easyrsa', ['--version'], { stdio: 'ignore' }).error ? undefined : 'easyrsa';
}

/** In a `before` hook: skips the suite when easy-rsa is missing (fails under CI=true). */
export function requireEasyRsa(ctx: Mocha.Context): void {
  skipUnless(ctx, 'the easy-rsa tests', easyRsaScript() ? undefined : 'easy-rsa is not installed (apt-get install easy-rsa)');
}

/** Runs `easyrsa --batch --pki-dir=PKI ARGS` (in the PKI's parent directory); rejects when it fails. */
export async function easyrsa(pkiDir: string, ...args: string[]): Promise<ExecResult> {
  const script = easyRsaScript();
  if (!script) throw new Error('easy-rsa is not installed');
  const run = await exec(script, ['--batch', `--pki-dir=${pkiDir}`, ...args], { cwd: dirname(pkiDir) });
  if (run.status !== 0) throw new Error(`easyrsa ${args.join(' ')} failed (${run.status}):\n${run.stderr}${run.stdout}`);
  return run;
}
