import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { privateKeyPem } from '../../pki/keys.js';
import { acmImportProblem } from '../../pki/acmImport.js';
import { caKeyWarning } from '../../pki/awsClientVpn.js';
import { action, CliError } from '../fail.js';
import { exportCommand, issueAndWrite, nothingToFetch, type ExportFlags } from '../exportFiles.js';
import { issuerChain } from '../issueFlags.js';
import { issuedLines, pemLine } from '../issued.js';

/** The three files of `aws acm import-certificate`, by its option names. */
const ACM_FILES = ['certificate.pem', 'private-key.pem', 'certificate-chain.pem'] as const;
const ACM_PROFILE = 'aws-client-vpn-server';

/**
 * `fedca export acm NAME --out DIR`: a fresh key and an aws-client-vpn-server
 * certificate for NAME, written as AWS Certificate Manager imports them: the
 * leaf, the unencrypted key, and the chain (intermediate then root), once they
 * pass every ACM import rule (nothing is written otherwise). Warns on stderr when
 * the CA's own keys are not RSA.
 */
export async function runExportAcm(name: string, flags: ExportFlags): Promise<void> {
  const [crtFile, keyFile, chainFile] = ACM_FILES.map((f) => join(flags.out, f));
  let caCertificates: string[] = [];
  const issued = await issueAndWrite(name, flags, ACM_PROFILE, {
    targets: [crtFile, keyFile, chainFile],
    fetch: nothingToFetch,
    render: ({ key, signed }, client) => {
      // ACM takes no encrypted key: unencrypted PKCS#8, mode 0600.
      caCertificates = issuerChain(signed, client.rootPem);
      const files = { certificate: pemLine(signed.crt), privateKey: privateKeyPem(key), chain: caCertificates.join('') };
      const problem = acmImportProblem(files);
      if (problem) throw new CliError(`ACM would refuse this import (${problem}): nothing written`, 1);
      return [
        { file: crtFile, content: files.certificate, mode: 0o644 },
        { file: keyFile, content: files.privateKey, mode: 0o600 },
        { file: chainFile, content: files.chain, mode: 0o644 },
      ];
    },
  });
  const warning = caKeyWarning(caCertificates);
  if (warning) process.stderr.write(`fedca: warning: ${warning}\n`);
  process.stdout.write(
    [
      `The ACM files for "${name}" have been saved in ${flags.out}: ${ACM_FILES.join(', ')} (private-key.pem mode 0600). Import them with`,
      `  aws acm import-certificate --certificate fileb://${crtFile} --private-key fileb://${keyFile} --certificate-chain fileb://${chainFile}`,
      ...issuedLines(new X509Certificate(issued.signed.crt)),
    ].join('\n') + '\n',
  );
}

/** Adds `fedca export acm` to the export command. */
export function registerExportAcm(group: Command): void {
  exportCommand(group, {
    verb: 'acm',
    description: 'issue a key and certificate for AWS Certificate Manager (an AWS Client VPN endpoint): write certificate.pem, private-key.pem and certificate-chain.pem',
    nameHelp: "the endpoint's domain name",
    out: ['--out <dir>', 'directory to write the files into (created, mode 0700, if missing)'],
    profile: ACM_PROFILE,
    forceHelp: 'overwrite files in <dir> that exist',
  }).action(action(async (name: string, flags: ExportFlags) => runExportAcm(name, flags)));
}
