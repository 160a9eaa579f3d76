#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../config/version.js';
import { registerAcme } from './commands/acme.js';
import { registerBootstrap } from './commands/bootstrap.js';
import { registerCertificate } from './commands/certificate.js';
import { registerCrl } from './commands/crl.js';
import { registerDb } from './commands/db.js';
import { registerExport } from './commands/export.js';
import { registerFederation } from './commands/federation.js';
import { registerFingerprint } from './commands/fingerprint.js';
import { registerInit } from './commands/init.js';
import { registerInspect } from './commands/inspect.js';
import { registerLineage } from './commands/lineage.js';
import { registerOpenvpnAgent } from './commands/openvpnAgent.js';
import { registerRekey } from './commands/rekey.js';
import { registerRenew } from './commands/renew.js';
import { registerRevoke } from './commands/revoke.js';
import { registerStart } from './commands/start.js';
import { registerToken } from './commands/token.js';

const program = new Command();
program
  .name('fedca')
  .description('fedca: a federated private certificate authority (step-ca wire-compatible)')
  .version(VERSION)
  // Options belong to the command they follow: `federation --root` and `federation add --root` differ.
  .enablePositionalOptions();
// Usage errors are one line, like every other error: "fedca: unknown option '--x' (see --help)".
program.configureOutput({ outputError: (text, write) => write(`${text.trim().replace(/^error: /, 'fedca: ')} (see --help)\n`) });

registerInit(program);
registerStart(program);
registerFingerprint(program);
registerBootstrap(program);
registerToken(program);
registerCertificate(program);
registerRenew(program);
registerRekey(program);
registerRevoke(program);
registerLineage(program);
registerCrl(program);
registerInspect(program);
registerOpenvpnAgent(program);
registerExport(program);
registerFederation(program);
registerDb(program);
registerAcme(program);

await program.parseAsync(process.argv);
