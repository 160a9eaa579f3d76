#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../config/version.js';
import { registerBootstrap } from './bootstrap.js';
import { registerCertificate } from './certificate.js';
import { registerCrl } from './crl.js';
import { registerExport } from './export.js';
import { registerFederation } from './federation.js';
import { registerFingerprint } from './fingerprint.js';
import { registerInit } from './init.js';
import { registerInspect } from './inspect.js';
import { registerOpenvpnAgent } from './openvpnAgent.js';
import { registerRekey } from './rekey.js';
import { registerRenew } from './renew.js';
import { registerRevoke } from './revoke.js';
import { registerStart } from './start.js';
import { registerToken } from './token.js';

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
registerCrl(program);
registerInspect(program);
registerOpenvpnAgent(program);
registerExport(program);
registerFederation(program);

await program.parseAsync(process.argv);
