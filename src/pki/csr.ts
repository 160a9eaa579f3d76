import type { KeyObject } from 'node:crypto';
import { readExtension, type ParsedExtension } from './certificate.js';
import { children, expectChildren, readBitString, readInteger, readOid, readRoot, Tag, whole, type Element } from './der.js';
import { CsrError, DerError } from './errors.js';
import { readGeneralNames } from './extensionReaders.js';
import type { SubjectAltNames } from './extensions.js';
import { OID } from './oids.js';
import { readCommonName } from './name.js';
import { pemBlocks } from './pem.js';
import { signatureKeyType, verifySignature } from './signature.js';
import { importVerifyingKey, readSpki } from './spki.js';

/** A PKCS #10 certification request (RFC 2986), split into the parts a CA reads. */
export interface ParsedCsr {
  readonly der: Buffer;
  /** The DER certificationRequestInfo: what the signature covers. */
  readonly info: Buffer;
  /** The subject's commonName ("" when it has none). */
  readonly commonName: string;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Buffer;
  /** DER Name of the subject. */
  readonly subject: Buffer;
  /** Names from the extensionRequest's subjectAltName, by kind. */
  readonly sans: SubjectAltNames;
  /** Every extension the extensionRequest asks for. */
  readonly extensions: readonly ParsedExtension[];
  readonly signatureAlgorithm: string;
  /** DER parameters of the signature algorithm (RSASSA-PSS), if any. */
  readonly signatureParams?: Buffer;
  readonly signature: Buffer;
}

/** What the public key of a verified CSR is. */
export interface PublicKeyInfo {
  readonly key: KeyObject;
  readonly kty: 'EC' | 'RSA' | 'OKP';
  /** EC curve (P-256, P-384, P-521) or OKP curve (Ed25519). */
  readonly curve?: string;
  /** RSA modulus size in bits. */
  readonly bits?: number;
  /** Human-readable description for messages ("RSA 1024", "EC P-256"). */
  readonly description: string;
}

/** An IA5String name of a CSR as text; CsrError for a byte that is not printable ASCII (a control, NUL, or 8-bit). */
function ia5Text(value: string, what: string): string {
  const bad = [...value].findIndex((c) => c < '\u0020' || c > '\u007e');
  if (bad >= 0) throw new CsrError(`CSR subjectAltName ${what} has byte 0x${value.charCodeAt(bad).toString(16).padStart(2, '0')} at position ${bad}: not printable ASCII`);
  return value;
}

const IA5_KINDS = { dns: 'DNS name', email: 'email address', url: 'URI' } as const;

/** The names of a subjectAltName value, by kind; CsrError for a kind a certificate cannot be issued for. */
function sansOf(value: Buffer | undefined): SubjectAltNames {
  const out = { dns: [] as string[], ips: [] as string[], emails: [] as string[], uris: [] as string[] };
  const kinds = { dns: out.dns, ip: out.ips, email: out.emails, url: out.uris };
  for (const name of value ? readGeneralNames(value) : []) {
    if (name.type === 'other') throw new CsrError(`unsupported subjectAltName type in CSR (tag ${name.value.slice(1, -1)})`);
    kinds[name.type].push(name.type === 'ip' ? name.value : ia5Text(name.value, IA5_KINDS[name.type]));
  }
  return out;
}

/** The extensions of the CSR's extensionRequest attribute (PKCS #9), as a certificate's are read. */
function readRequestedExtensions(buf: Buffer, attributes: Element | undefined): ParsedExtension[] {
  const out: ParsedExtension[] = [];
  for (const attr of attributes ? children(buf, attributes) : []) {
    const [type, values] = expectChildren(buf, attr, Tag.SEQUENCE, 'Attribute');
    if (readOid(buf, type) !== OID.extensionRequest) continue;
    for (const exts of children(buf, values)) {
      for (const ext of expectChildren(buf, exts, Tag.SEQUENCE, 'Extensions')) out.push(readExtension(buf, ext));
    }
  }
  return out;
}

/** Parses a DER CSR. Throws CsrError when it is not one. */
export function parseCsrDer(der: Buffer): ParsedCsr {
  try {
    const [infoEl, algEl, sigEl] = expectChildren(der, readRoot(der), Tag.SEQUENCE, 'CertificationRequest');
    if (!sigEl) throw new CsrError('CSR is missing its signature');
    const [versionEl, subjectEl, spkiEl, attributesEl] = expectChildren(der, infoEl, Tag.SEQUENCE, 'CertificationRequestInfo');
    if (!spkiEl || readInteger(der, versionEl) !== 0n) throw new CsrError('CSR is not a PKCS #10 v1 request');
    if (attributesEl && attributesEl.tag !== 0xa0) throw new CsrError('CSR attributes are malformed');
    const [algOid, params] = expectChildren(der, algEl, Tag.SEQUENCE, 'AlgorithmIdentifier');
    const extensions = readRequestedExtensions(der, attributesEl);
    return {
      der,
      info: whole(der, infoEl),
      commonName: readCommonName(der, subjectEl),
      subject: whole(der, subjectEl),
      publicKey: whole(der, spkiEl),
      sans: sansOf(extensions.find((e) => e.id === OID.subjectAltName)?.value),
      extensions,
      signatureAlgorithm: readOid(der, algOid),
      signatureParams: params && params.tag !== Tag.NULL ? whole(der, params) : undefined,
      signature: readBitString(der, sigEl),
    };
  } catch (err) {
    if (err instanceof CsrError) throw err;
    if (err instanceof DerError) throw new CsrError(`CSR is malformed: ${err.message}`);
    throw new CsrError('CSR is malformed');
  }
}

/** Parses a PEM CSR ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST"). */
export function parseCsrPem(pem: string): ParsedCsr {
  let blocks;
  try {
    blocks = pemBlocks(pem);
  } catch {
    throw new CsrError('csr is not valid PEM');
  }
  const block = blocks.find((b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST');
  if (!block) throw new CsrError('csr is not a PEM certificate request');
  return parseCsrDer(block.der);
}

/** Describes a public key: type, curve or size. Throws CsrError when it cannot be read. */
export async function publicKeyInfo(spki: Buffer): Promise<PublicKeyInfo> {
  let parsed;
  try {
    parsed = readSpki(spki);
  } catch (err) {
    throw new CsrError(err instanceof DerError ? `CSR public key cannot be read: ${err.message}` : 'CSR public key cannot be read');
  }
  if (parsed.kty === 'other') {
    throw new CsrError(`CSR public key type ${parsed.algorithm === OID.dsa ? 'DSA' : parsed.algorithm} is not allowed`);
  }
  let key: KeyObject;
  try {
    key = await importVerifyingKey(spki, parsed);
  } catch {
    throw new CsrError(`CSR public key (${parsed.kty} ${parsed.curve ?? parsed.bits ?? ''}) cannot be read`);
  }
  const description = parsed.kty === 'RSA' ? `RSA ${parsed.bits}` : parsed.kty === 'EC' ? `EC ${parsed.curve}` : 'Ed25519';
  return { key, kty: parsed.kty, curve: parsed.curve, bits: parsed.bits, description };
}

/** Verifies the CSR's self-signature with its own public key; returns that key's description. */
export async function verifyCsr(csr: ParsedCsr): Promise<PublicKeyInfo> {
  const info = await publicKeyInfo(csr.publicKey);
  const family = signatureKeyType(csr.signatureAlgorithm);
  if (!family) throw new CsrError(`CSR signature algorithm ${csr.signatureAlgorithm} is not supported`);
  if (family !== info.kty) throw new CsrError(`CSR signature algorithm does not fit its ${info.description} key`);
  if (!verifySignature(csr.signatureAlgorithm, csr.info, info.key, csr.signature, csr.signatureParams)) throw new CsrError('CSR signature does not verify');
  return info;
}
