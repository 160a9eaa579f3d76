import { X509Certificate } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readFileOr } from '../files/readFile.js';
import { parseCertificate } from '../pki/certificate.js';
import { createIssuer } from '../pki/issuer.js';
import { readPrivateKey } from '../pki/keys.js';
import { KeyDecryptError } from '../pki/errors.js';
import { commonNameOf } from '../pki/name.js';
import { pemDers } from '../pki/pem.js';
import { isRoot } from '../pki/root.js';
import type { IssuedCertificate, Revocation } from '../store/store.js';
import type { AdoptedCa } from './adoptedCa.js';
import { parseOpensslIndex } from './opensslIndex.js';
import { EasyRsaError, IndexError } from './errors.js';

/** An easy-rsa PKI read for adoption, and what could not be taken from it. */
export interface EasyRsaPki extends AdoptedCa {
  /** Serials (hex) that index.txt lists as issued but whose certificate file is gone. */
  readonly missingCertificates: readonly string[];
}

/** Where easy-rsa 3 keeps certificates: by name, by serial, and revoked ones by serial. */
const CERTIFICATE_DIRS = ['issued', 'certs_by_serial', 'revoked/certs_by_serial'];

function readText(file: string, what: string): string {
  return readFileOr(file, (code) => new EasyRsaError(`cannot read the easy-rsa ${what} ${file} (${code})`)).toString('utf8');
}

/** A hex serial as a map key: upper case, no leading zeros. */
const serialKey = (hex: string): string => BigInt('0x' + hex).toString(16).toUpperCase();

/** Every certificate the CA signed that lies in easy-rsa's certificate directories, by upper-case hex serial. */
function certificatesBySerial(pkiDir: string, ca: X509Certificate): Map<string, X509Certificate> {
  const found = new Map<string, X509Certificate>();
  for (const dir of CERTIFICATE_DIRS) {
    let names: string[];
    try {
      names = readdirSync(join(pkiDir, dir));
    } catch {
      continue;
    }
    for (const name of names.filter((n) => /\.(crt|pem)$/.test(n))) {
      const file = join(pkiDir, dir, name);
      let certificates: X509Certificate[];
      try {
        certificates = pemDers(readText(file, 'certificate')).map((der) => new X509Certificate(der));
      } catch (err) {
        if (err instanceof EasyRsaError) throw err;
        throw new EasyRsaError(`${file} holds a malformed certificate`);
      }
      for (const x509 of certificates) {
        if (x509.checkIssued(ca) && x509.verify(ca.publicKey)) found.set(serialKey(x509.serialNumber), x509);
      }
    }
  }
  return found;
}

function issuedRecord(x509: X509Certificate): IssuedCertificate {
  const { serial, subject, notBefore, notAfter } = parseCertificate(x509.raw);
  return { serial: serial.toString(10), der: x509.raw, commonName: commonNameOf(subject), notBefore, notAfter, provisioner: '' };
}

/**
 * Reads an easy-rsa PKI directory (the one `easyrsa init-pki` made): `ca.crt`,
 * `private/ca.key` (decrypted with `passphrase` when encrypted), and `index.txt`
 * with the certificates its lines name. Reads only; throws EasyRsaError when the
 * PKI cannot be adopted.
 */
export function readEasyRsaPki(pkiDir: string, passphrase?: string): EasyRsaPki {
  const caPem = readText(join(pkiDir, 'ca.crt'), 'CA certificate');
  const [caDer] = pemDers(caPem);
  if (!caDer) throw new EasyRsaError(`${join(pkiDir, 'ca.crt')} holds no PEM certificate`);
  if (!isRoot(caDer)) throw new EasyRsaError(`${join(pkiDir, 'ca.crt')} is not a self-signed CA certificate`);
  const keyFile = join(pkiDir, 'private', 'ca.key');
  const keyPem = readText(keyFile, 'CA key');
  if (passphrase === undefined && keyPem.includes('ENCRYPTED')) throw new EasyRsaError(`the easy-rsa CA key ${keyFile} is encrypted: pass its passphrase with --easyrsa-pass-file`);
  let key;
  try {
    key = readPrivateKey(keyPem, passphrase);
    createIssuer(caDer, key);
  } catch (err) {
    if (err instanceof KeyDecryptError) throw new EasyRsaError(`cannot read the easy-rsa CA key ${keyFile}: ${err.message.replace('password', 'passphrase')}`);
    throw new EasyRsaError(`the easy-rsa CA key ${keyFile} does not match ${join(pkiDir, 'ca.crt')}`);
  }
  let entries;
  try {
    entries = parseOpensslIndex(readText(join(pkiDir, 'index.txt'), 'certificate database'));
  } catch (err) {
    if (err instanceof IndexError) throw new EasyRsaError(`${pkiDir}/${err.message}`);
    throw err;
  }
  const files = certificatesBySerial(pkiDir, new X509Certificate(caDer));
  const certificates: IssuedCertificate[] = [];
  const revocations: Revocation[] = [];
  const missingCertificates: string[] = [];
  for (const entry of entries) {
    const x509 = files.get(serialKey(entry.serialHex));
    const record = x509 ? issuedRecord(x509) : undefined;
    if (record) certificates.push(record);
    else if (!entry.revocation) missingCertificates.push(entry.serialHex);
    if (entry.revocation) {
      revocations.push({
        serial: BigInt('0x' + entry.serialHex).toString(10),
        reasonCode: entry.revocation.reasonCode,
        reason: entry.revocation.reason,
        revokedAt: entry.revocation.revokedAt,
        notAfter: record?.notAfter ?? entry.expiresAt,
        provisioner: '',
      });
    }
  }
  return { certificate: caDer, key, certificates, revocations, missingCertificates };
}
