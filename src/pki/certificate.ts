import { bitString, children, contents, DerError, explicit, readDer, expectChildren, readBitString, readInteger, readOid, readRoot, readTime, sequence, sequenceOf, time, Tag, unsignedInteger, whole, integer } from './der.js';
import type { Signer } from './keys.js';

/** Everything a certificate says, in DER pieces ready to encode (RFC 5280 §4.1). */
export interface CertificateTemplate {
  /** Unsigned big-endian serial number magnitude. */
  readonly serial: Buffer;
  /** DER Name of the issuer: copied byte for byte from the issuing certificate's subject. */
  readonly issuer: Buffer;
  /** DER Name of the subject. */
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Buffer;
  /** DER Extension elements, in order. */
  readonly extensions: readonly Buffer[];
}

const VERSION_3 = explicit(0, integer(2));

/** Encodes and signs a v3 certificate; returns its DER. */
export function signCertificate(template: CertificateTemplate, signer: Signer): Buffer {
  const tbs = sequence(
    VERSION_3,
    unsignedInteger(template.serial),
    signer.algorithm,
    template.issuer,
    sequence(time(template.notBefore), time(template.notAfter)),
    template.subject,
    template.publicKey,
    ...(template.extensions.length ? [explicit(3, sequenceOf(template.extensions))] : []),
  );
  return sequence(tbs, signer.algorithm, bitString(signer.sign(tbs)));
}

/** One extension as found in a certificate. */
export interface ParsedExtension {
  readonly id: string;
  readonly critical: boolean;
  /** The whole Extension element's DER, to copy into another certificate as is. */
  readonly der: Buffer;
  /** The extnValue contents. */
  readonly value: Buffer;
}

/** The fields of a certificate that the CA reads back (renewal, chains, CRLs). */
export interface ParsedCertificate {
  readonly der: Buffer;
  readonly tbs: Buffer;
  readonly serial: bigint;
  readonly issuer: Buffer;
  readonly subject: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: Buffer;
  readonly extensions: readonly ParsedExtension[];
  readonly signatureAlgorithm: Buffer;
  readonly signature: Buffer;
}

/** Splits a DER certificate into its fields. Throws DerError on malformed input, and nothing else. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  return readDer('Certificate', () => readCertificate(der));
}

function readCertificate(der: Buffer): ParsedCertificate {
  const [tbsEl, sigAlgEl, sigEl] = expectChildren(der, readRoot(der), Tag.SEQUENCE, 'Certificate');
  if (!sigEl) throw new DerError('Certificate: missing fields');
  const fields = expectChildren(der, tbsEl, Tag.SEQUENCE, 'TBSCertificate');
  let i = fields[0].tag === 0xa0 ? 1 : 0;
  const serial = readInteger(der, fields[i++]);
  i++; // signature algorithm inside TBS
  const issuer = whole(der, fields[i++]);
  const [nb, na] = children(der, fields[i++]);
  const subject = whole(der, fields[i++]);
  const publicKey = whole(der, fields[i++]);
  const extensions: ParsedExtension[] = [];
  for (; i < fields.length; i++) {
    if (fields[i].tag !== 0xa3) continue;
    const [list] = children(der, fields[i]);
    for (const ext of children(der, list)) {
      const parts = children(der, ext);
      const critical = parts.length === 3 && contents(der, parts[1])[0] === 0xff;
      extensions.push({ id: readOid(der, parts[0]), critical, der: whole(der, ext), value: contents(der, parts[parts.length - 1]) });
    }
  }
  return {
    der,
    tbs: whole(der, tbsEl),
    serial,
    issuer,
    subject,
    notBefore: readTime(der, nb),
    notAfter: readTime(der, na),
    publicKey,
    extensions,
    signatureAlgorithm: whole(der, sigAlgEl),
    signature: readBitString(der, sigEl),
  };
}
