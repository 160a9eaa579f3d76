#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../config/version.js';

type Register = (program: Command) => void;

/**
 * Every verb and the module that registers it, in `--help` order. A command line that
 * names a verb loads only that verb's module: the whole CLI's module graph costs a
 * process about 40 MiB, which a server (`fedca start`) would otherwise carry for
 * verbs it never runs. `--help`, `--version` and unknown verbs load them all.
 */
const VERBS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ['init', async () => (await import('./commands/init.js')).registerInit],
  ['start', async () => (await import('./commands/start.js')).registerStart],
  ['fingerprint', async () => (await import('./commands/fingerprint.js')).registerFingerprint],
  ['bootstrap', async () => (await import('./commands/bootstrap.js')).registerBootstrap],
  ['token', async () => (await import('./commands/token.js')).registerToken],
  ['certificate', async () => (await import('./commands/certificate.js')).registerCertificate],
  ['renew', async () => (await import('./commands/renew.js')).registerRenew],
  ['rekey', async () => (await import('./commands/rekey.js')).registerRekey],
  ['revoke', async () => (await import('./commands/revoke.js')).registerRevoke],
  ['lineage', async () => (await import('./commands/lineage.js')).registerLineage],
  ['crl', async () => (await import('./commands/crl.js')).registerCrl],
  ['inspect', async () => (await import('./commands/inspect.js')).registerInspect],
  ['openvpn-agent', async () => (await import('./commands/openvpnAgent.js')).registerOpenvpnAgent],
  ['export', async () => (await import('./commands/export.js')).registerExport],
  ['federation', async () => (await import('./commands/federation.js')).registerFederation],
  ['db', async () => (await import('./commands/db.js')).registerDb],
  ['acme', async () => (await import('./commands/acme.js')).registerAcme],
];

const program = new Command();
program
  .name('fedca')
  .description('fedca: a federated private certificate authority (step-ca wire-compatible)')
  .version(VERSION)
  // Options belong to the command they follow: `federation --root` and `federation add --root` differ.
  .enablePositionalOptions();
// Usage errors are one line, like every other error: "fedca: unknown option '--x' (see --help)".
program.configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/^error: /, 'fedca: ')} (see --help)\n`) });

const named = VERBS.find(([verb]) => verb === process.argv[2]);
for (const [, load] of named ? [named] : VERBS) (await load())(program);

await program.parseAsync(process.argv);
