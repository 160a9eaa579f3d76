import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import type { SignResponse } from '../sdk/wire.js';
import { addCaOptions, type CaFlags } from './caConnection.js';
import { runExecHook } from './execHook.js';
import { issuedLines } from './issued.js';
import { positiveDuration } from './options.js';
import { renewalDue, validityOf } from '../sdk/renewalSchedule.js';

/** The options `fedca renew` and `fedca rekey` share: when to act, where to write, what to run after. */
export interface RenewalFlags extends CaFlags {
  force?: boolean;
  expiresIn?: number;
  out?: string;
  exec?: string;
}

/**
 * Adds `fedca renew` or `fedca rekey`: its `<crt-file>` and `<key-file>`
 * arguments, the CA options, `--force`, `--expires-in`, `--out` and `--exec`.
 */
export function addRenewalCommand(program: Command, verb: 'renew' | 'rekey', description: string, keyFile: string): Command {
  const command = program
    .command(verb)
    .description(`${description}; by default only once the certificate is past 2/3 of its lifetime`)
    .argument('<crt-file>', `the certificate chain to ${verb}, PEM, leaf first (as fedca certificate writes it)`)
    .argument('<key-file>', keyFile);
  addCaOptions(command);
  return command
    .option('--force', `${verb} now, however long the certificate has left`)
    .option('--expires-in <duration>', `${verb} once the certificate expires within this duration (e.g. 8h), even before 2/3 of its lifetime`, positiveDuration)
    .option('--out <file>', 'where to write the new certificate chain (default: <crt-file>, replaced atomically)')
    .option('--exec <command>', `a command to run with sh -c after each ${verb === 'renew' ? 'renewal' : 'rekey'} (to reload a server, say)`);
}

/**
 * True, after saying so on stdout, when the certificate is not due yet: it is
 * due with `--force`, or once past 2/3 of its lifetime or within `--expires-in` of its end.
 */
export function reportNotDue(leaf: X509Certificate, crtFile: string, flags: RenewalFlags): boolean {
  if (flags.force) return false;
  const due = renewalDue(validityOf(leaf), flags.expiresIn);
  if (Date.now() >= due.getTime()) return false;
  process.stdout.write(`${crtFile} is not due for renewal until ${due.toISOString()} (it expires ${new Date(leaf.validTo).toISOString()}); use --force to renew it now.\n`);
  return true;
}

/** Tells on stdout what was saved where and what was issued, then runs `--exec` if given. */
export async function reportSaved(signed: SignResponse, saved: readonly string[], flags: RenewalFlags): Promise<void> {
  process.stdout.write([...saved, ...issuedLines(new X509Certificate(signed.crt))].join('\n') + '\n');
  if (flags.exec) await runExecHook(flags.exec);
}
