import { readFileOr } from '../files/readFile.js';
import { crlSignedBy, parseCrlFile, type ParsedCrl } from '../pki/readCrl.js';
import type { Revocation } from '../store/store.js';
import { RevocationListError } from './errors.js';
import { UNKNOWN_NOT_AFTER_MS } from './adoptedCa.js';

/**
 * Revocations of a CA whose database fedca cannot read (step-ca's Badger or
 * BoltDB): from the CA's own CRL, or from a list of serials.
 */

/** A revocation of an adopted CA whose certificate (and so its expiry) fedca does not have. */
function revocationWithoutCertificate(serial: bigint, revokedAt: Date, reasonCode: number, now: Date): Revocation {
  return { serial: serial.toString(10), reasonCode, reason: '', revokedAt, notAfter: new Date(now.getTime() + UNKNOWN_NOT_AFTER_MS), provisioner: '' };
}

const read = (file: string): Buffer => readFileOr(file, (code) => new RevocationListError(`cannot read ${file} (${code})`));

/** Revocations from a CRL (DER or PEM) that one of `issuers` signed; the entries' dates and reasons are kept. */
export async function revocationsFromCrl(file: string, issuers: readonly Buffer[], now = new Date()): Promise<Revocation[]> {
  const bytes = read(file);
  let crl: ParsedCrl;
  try {
    crl = parseCrlFile(bytes);
  } catch {
    throw new RevocationListError(`${file} is not a CRL (DER or PEM)`);
  }
  if (!issuers.some((issuer) => crlSignedBy(crl, issuer))) throw new RevocationListError(`${file} is not signed by this CA's intermediate or root`);
  return crl.entries.map((e) => revocationWithoutCertificate(e.serial, e.revokedAt, e.reasonCode, now));
}

/** Revocations from a file with one serial a line (decimal, or hex with 0x); `#` starts a comment. */
export function revocationsFromSerialList(file: string, now = new Date()): Revocation[] {
  const serials = new Set<bigint>();
  read(file)
    .toString('utf8')
    .split('\n')
    .forEach((line, i) => {
      const text = line.replace(/#.*/, '').trim();
      if (text === '') return;
      if (!/^(\d+|0x[0-9a-f]+)$/i.test(text)) throw new RevocationListError(`${file}:${i + 1}: not a serial (decimal, or 0x hex): ${JSON.stringify(text.slice(0, 80))}`);
      serials.add(BigInt(text));
    });
  return [...serials].map((serial) => revocationWithoutCertificate(serial, now, 0, now));
}
