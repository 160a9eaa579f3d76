import { X509Certificate } from 'node:crypto';
import { parseCertificate, readExtension } from './certificate.js';
import type { CrlEntry } from './crl.js';
import { DerError } from './errors.js';
import { children, contents, DER_LIMITS, expectChildren, readBitString, readDer, readInteger, readOid, readRoot, readTime, Tag, whole, type Element } from './der.js';
import { OID } from './oids.js';
import { pemDers, toPem } from './pem.js';
import { verifySignature } from './signature.js';

/** What a consumer of a CRL (RFC 5280 §5.1) reads back: its times, number, entries and signature. */
export interface ParsedCrl {
  readonly der: Buffer;
  /** The TBSCertList's DER, which the signature covers. */
  readonly tbs: Buffer;
  /** The issuer Name's DER. */
  readonly issuer: Buffer;
  readonly thisUpdate: Date;
  /** Absent only in CRLs that RFC 5280 forbids; consumers treat such a CRL as never fresh. */
  readonly nextUpdate?: Date;
  /** The cRLNumber extension, when present. */
  readonly crlNumber?: bigint;
  /** Serial numbers of the revoked certificates, in the CRL's order. */
  readonly serials: readonly bigint[];
  /** The revoked certificates with their revocation dates and reasons (0, unspecified, when the entry names none), in the CRL's order. */
  readonly entries: readonly CrlEntry[];
  readonly signatureAlgorithm: string;
  readonly signatureParams?: Buffer;
  readonly signature: Buffer;
}

/** The extnValue contents of the extension `id` in an Extensions list, if it is there. */
function extensionValue(der: Buffer, list: Element, id: string): Buffer | undefined {
  for (const ext of children(der, list)) {
    const { id: found, value } = readExtension(der, ext);
    if (found === id) return value;
  }
  return undefined;
}

/** The cRLReason of an entry's crlEntryExtensions (an ENUMERATED), 0 when it has none. */
function entryReason(der: Buffer, extensions: Element | undefined): number {
  const value = extensions && extensionValue(der, extensions, OID.cRLReason);
  if (!value) return 0;
  const el = readRoot(value);
  const reason = contents(value, el);
  if (el.tag !== Tag.ENUMERATED || reason.length !== 1) throw new DerError('cRLReason is not a one-byte ENUMERATED');
  return reason[0];
}

const isTime = (tag: number): boolean => tag === Tag.UTC_TIME || tag === Tag.GENERALIZED_TIME;

/** Reads a DER CRL (linear in its size). Throws DerError on malformed input, and nothing else. */
export function parseCrl(der: Buffer): ParsedCrl {
  return readDer('CRL', () => readCrl(der));
}

function readCrl(der: Buffer): ParsedCrl {
  // A CRL lists every unexpired revocation (about 7 elements each): its element count is
  // bounded by its size (each element takes at least 2 bytes), not by DER_LIMITS' 10,000.
  const limits = { ...DER_LIMITS, maxElements: Math.max(DER_LIMITS.maxElements, der.length >> 1) };
  const [tbsEl, algEl, sigEl, extra] = expectChildren(der, readRoot(der, limits), Tag.SEQUENCE, 'CertificateList');
  if (!sigEl || extra) throw new DerError('CertificateList: expected three fields');
  const fields = expectChildren(der, tbsEl, Tag.SEQUENCE, 'TBSCertList');
  let i = fields[0]?.tag === Tag.INTEGER ? 1 : 0;
  i++; // the signature algorithm inside the TBS
  const issuerEl = fields[i++];
  const thisUpdateEl = fields[i++];
  if (!issuerEl || !thisUpdateEl || !isTime(thisUpdateEl.tag)) throw new DerError('TBSCertList: missing issuer or thisUpdate');
  const nextUpdate = fields[i] && isTime(fields[i].tag) ? readTime(der, fields[i++]) : undefined;
  const entries: CrlEntry[] = [];
  if (fields[i]?.tag === Tag.SEQUENCE) {
    for (const entry of children(der, fields[i++])) {
      const [serialEl, dateEl, extensionsEl] = expectChildren(der, entry, Tag.SEQUENCE, 'revokedCertificate');
      if (!dateEl || !isTime(dateEl.tag)) throw new DerError('revokedCertificate: missing revocationDate');
      entries.push({ serial: readInteger(der, serialEl), revokedAt: readTime(der, dateEl), reasonCode: entryReason(der, extensionsEl) });
    }
  }
  let crlNumber: bigint | undefined;
  if (fields[i]?.tag === 0xa0) {
    const value = extensionValue(der, children(der, fields[i])[0], OID.cRLNumber);
    if (value) crlNumber = readInteger(value, readRoot(value));
  }
  const [algOid, params] = expectChildren(der, algEl, Tag.SEQUENCE, 'AlgorithmIdentifier');
  return {
    der,
    tbs: whole(der, tbsEl),
    issuer: whole(der, issuerEl),
    thisUpdate: readTime(der, thisUpdateEl),
    nextUpdate,
    crlNumber,
    serials: entries.map((e) => e.serial),
    entries,
    signatureAlgorithm: readOid(der, algOid),
    signatureParams: params && params.tag !== Tag.NULL ? whole(der, params) : undefined,
    signature: readBitString(der, sigEl),
  };
}

/** True when `issuer` (a DER certificate) is the CRL's issuer by name and signed it. */
export function crlSignedBy(crl: ParsedCrl, issuer: Buffer): boolean {
  try {
    return parseCertificate(issuer).subject.equals(crl.issuer) && verifySignature(crl.signatureAlgorithm, crl.tbs, new X509Certificate(issuer).publicKey, crl.signature, crl.signatureParams);
  } catch {
    return false;
  }
}

/** A CRL as a file holds it, PEM (`-----BEGIN X509 CRL-----`) or DER. Throws what parseCrl throws. */
export function parseCrlFile(bytes: Buffer): ParsedCrl {
  const text = bytes.toString('latin1');
  return parseCrl(text.includes('-----BEGIN X509 CRL-----') ? pemDers(text, 'X509 CRL')[0] : bytes);
}

/** A CRL's bytes for a file: PEM or DER. */
export const crlFileBytes = (crl: ParsedCrl, pem: boolean): Buffer => (pem ? Buffer.from(toPem(crl.der, 'X509 CRL')) : crl.der);
