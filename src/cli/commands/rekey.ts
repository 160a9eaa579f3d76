import type { Command } from 'commander';
import { replaceFiles } from '../../files/replaceFiles.js';
import { createCsr } from '../../pki/csrBuilder.js';
import { generateKey, keySpecOf, privateKeyPem } from '../../pki/keys.js';
import { toPem } from '../../pki/pem.js';
import { commonName } from '../../sdk/clientCertificate.js';
import { connectToCa } from '../caConnection.js';
import { readCertificateFiles } from '../certificateFiles.js';
import { action, CliError } from '../fail.js';
import { chainPem } from '../issued.js';
import { addKeyOptions, keySpec, type KeyFlags } from '../keyFlags.js';
import { checkWritable } from '../outputFiles.js';
import { addRenewalCommand, reportNotDue, reportSaved, type RenewalFlags } from '../renewalFlags.js';
import { addStepAlias } from '../stepAliases.js';

interface RekeyFlags extends RenewalFlags, KeyFlags {
  outKey?: string;
}

/**
 * Rekeys the certificate in CRT_FILE: a new key, a CSR for it, `POST /rekey`
 * over mTLS with the current certificate and KEY_FILE; then replaces the chain
 * and the key (0600) atomically. Writes nothing unless the CA issued the certificate.
 */
export async function runRekey(crtFile: string, keyFile: string, flags: RekeyFlags): Promise<void> {
  const current = readCertificateFiles(crtFile, keyFile);
  const out = flags.out ?? crtFile;
  const outKey = flags.outKey ?? keyFile;
  checkWritable([out, outKey], true);
  const spec = keySpec(flags, keySpecOf(current.key));
  const subject = commonName(current.leaf);
  if (subject === '') throw new CliError(`the certificate in ${crtFile} has no common name to ask for`, 1);
  if (reportNotDue(current.leaf, crtFile, flags)) return;
  const client = await connectToCa(flags);
  try {
    const key = generateKey(spec);
    // The CA takes only the key from this CSR; names and extensions come from the current certificate.
    const csrPem = toPem(createCsr(key, subject, []), 'CERTIFICATE REQUEST');
    const signed = await client.rekey({ certPem: current.certPem, keyPem: current.keyPem, csrPem });
    replaceFiles([
      { file: out, content: chainPem(signed), mode: 0o644 },
      { file: outKey, content: privateKeyPem(key), mode: 0o600 },
    ]);
    await reportSaved(signed, [`Your certificate has been rekeyed and saved in ${out}.`, `Your new private key has been saved in ${outKey}.`], flags);
  } finally {
    client.close();
  }
}

/** Adds `fedca rekey` to the program. */
export function registerRekey(program: Command): void {
  const command = addRenewalCommand(
    program,
    'rekey',
    'rekey a certificate of the CA: a new key, the same names and duration, a new serial (over mTLS with the current key); replace the chain and key files atomically',
    "the certificate's current private key, PEM, unencrypted; replaced by the new key (mode 0600)",
  );
  command.option('--out-key <file>', 'where to write the new private key (default: <key-file>, replaced atomically)');
  addStepAlias(command, '--out-cert <file>', '--out');
  addKeyOptions(command, true);
  command.action(action(async (crtFile: string, keyFile: string, flags: RekeyFlags) => runRekey(crtFile, keyFile, flags)));
}
