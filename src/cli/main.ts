#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../config/version.js';
import { registerFingerprint } from './fingerprint.js';
import { registerInit } from './init.js';
import { registerStart } from './start.js';

const program = new Command();
program
  .name('fedca')
  .description('fedca: a federated private certificate authority (step-ca wire-compatible)')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');
program.configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'fedca: ')) });

registerInit(program);
registerStart(program);
registerFingerprint(program);

await program.parseAsync(process.argv);
