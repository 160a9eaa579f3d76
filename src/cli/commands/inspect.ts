import type { Command } from 'commander';
import { pemBlocks } from '../../pki/pem.js';
import { describeCertificate, describeCsr, type Description, type PublicKeyDescription } from '../describe.js';
import { action, CliError } from '../fail.js';
import { readInputFile } from '../inputFile.js';
import { outputFormat, type OutputFormat } from '../options.js';

interface InspectFlags {
  format: OutputFormat;
}

const CSR_LABELS = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

/** Every certificate and CSR of a PEM file (a bundle too), or the one DER object of a DER file. */
function describeFile(file: string, bytes: Buffer): Description[] {
  const text = bytes.toString('latin1');
  if (!text.includes('-----BEGIN ')) {
    try {
      return [describeCertificate(bytes)];
    } catch {
      try {
        return [describeCsr(bytes)];
      } catch {
        throw new CliError(`${file} holds no readable certificate or certificate request (PEM or DER)`, 1);
      }
    }
  }
  const out: Description[] = [];
  for (const block of pemBlocks(text)) {
    try {
      if (block.label === 'CERTIFICATE') out.push(describeCertificate(block.der));
      else if (CSR_LABELS.has(block.label)) out.push(describeCsr(block.der));
    } catch (err) {
      throw new CliError(`${file}: a ${block.label} block cannot be read (${(err as Error).message})`, 1);
    }
  }
  if (out.length === 0) throw new CliError(`${file} holds no certificate or certificate request`, 1);
  return out;
}

const keyText = (k: PublicKeyDescription): string => [k.type, k.curve, k.bits && `${k.bits} bits`].filter(Boolean).join(' ');
const critical = (yes: boolean): string => (yes ? ' (critical)' : '');

function validityNote(d: Description, now: Date): string {
  if (!d.notBefore || !d.notAfter) return '';
  if (Date.parse(d.notAfter) < now.getTime()) return ' (expired)';
  if (Date.parse(d.notBefore) > now.getTime()) return ' (not yet valid)';
  return '';
}

/** The readable form of one description: a heading, then one "name: value" line per field present. */
export function renderText(d: Description, heading: string, now = new Date()): string {
  const rows: [string, string | undefined][] = [
    ['Subject', d.subject || '(empty)'],
    ['Issuer', d.issuer],
    ['Serial', d.serial && `${d.serial.hex} (${d.serial.decimal})`],
    ['Not before', d.notBefore],
    ['Not after', d.notAfter && d.notAfter + validityNote(d, now)],
    ['Public key', keyText(d.publicKey)],
    ['Signature', d.signatureAlgorithm],
    ['SANs', d.sans.length ? d.sans.map((n) => `${n.type.toUpperCase()}:${n.value}`).join(', ') : undefined],
    ['Key usage', d.keyUsage && d.keyUsage.usages.join(', ') + critical(d.keyUsage.critical)],
    ['Ext key usage', d.extKeyUsage?.join(', ')],
    [
      'Basic constraints',
      d.basicConstraints && `CA:${d.basicConstraints.ca ? 'TRUE' : 'FALSE'}${d.basicConstraints.pathLength !== undefined ? `, pathlen:${d.basicConstraints.pathLength}` : ''}${critical(d.basicConstraints.critical)}`,
    ],
    ['Subject key id', d.subjectKeyId],
    ['Authority key id', d.authorityKeyId],
    ['Provisioner', d.provisioner && `${d.provisioner.type} "${d.provisioner.name}" (${d.provisioner.credentialId})`],
    ['CRL', d.crlDistributionPoints?.join(', ')],
    ['OCSP', d.ocspResponders?.join(', ')],
    ['OCSP no check', d.ocspNoCheck ? 'yes (the responder is not itself checked)' : undefined],
    ['Other extensions', d.otherExtensions.length ? d.otherExtensions.map((e) => e.oid + critical(e.critical)).join(', ') : undefined],
    ['SHA-256 fingerprint', d.sha256Fingerprint],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 1;
  const lines = rows.filter((row): row is [string, string] => row[1] !== undefined).map(([name, value]) => `  ${(name + ':').padEnd(width)} ${value}`);
  return [heading, ...lines].join('\n') + '\n';
}

/** Prints what a certificate file (or bundle, or CSR) holds. */
export function runInspect(file: string, flags: InspectFlags): void {
  const items = describeFile(file, readInputFile(file));
  if (flags.format === 'json') {
    process.stdout.write(JSON.stringify(items.length === 1 ? items[0] : items, null, 2) + '\n');
    return;
  }
  const heading = (d: Description, i: number): string => {
    const title = d.kind === 'certificate' ? 'Certificate' : 'Certificate request';
    return items.length === 1 ? `${title}:` : `${title} ${i + 1} of ${items.length}:`;
  };
  process.stdout.write(items.map((d, i) => renderText(d, heading(d, i))).join('\n'));
}

/** Adds `fedca inspect` to the program. */
export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show a certificate, each certificate of a bundle, or a certificate request (CSR) in readable form')
    .argument('<file>', 'PEM file (certificates and/or CSRs, any number) or a DER certificate or CSR')
    .option('--format <format>', 'text, or json (one object for a single item, an array for several)', outputFormat, 'text')
    .action(action((file: string, flags: InspectFlags) => runInspect(file, flags)));
}
