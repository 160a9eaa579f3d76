import type { KeyObject } from 'node:crypto';
import { checkStructure, children, contents, DerError, expectChildren, readBitString, readElement, readInteger, readOid, readRoot, Tag, whole, type Element } from './der.js';
import type { SubjectAltNames } from './extensions.js';
import { formatIp } from './ip.js';
import { OID } from './oids.js';
import { readCommonName } from './name.js';
import { pemBlocks } from './pem.js';
import { signatureKeyType, verifySignature } from './signature.js';
import { importSpki, readSpki } from './spki.js';

/** A PKCS #10 certification request (RFC 2986), split into the parts a CA reads. */
export interface ParsedCsr {
  readonly der: Buffer;
  /** The DER certificationRequestInfo: what the signature covers. */
  readonly info: Buffer;
  /** The subject's commonName ("" when it has none). */
  readonly commonName: string;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKey: Buffer;
  /** Names from the extensionRequest's subjectAltName, by kind. */
  readonly sans: SubjectAltNames;
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

/** A CSR that is malformed or whose signature does not verify. */
export class CsrError extends Error {
  readonly code = 'ERR_CSR';
}

/** An IA5String name of a CSR as text; CsrError for a byte that is not printable ASCII (a control, NUL, or 8-bit). */
function ia5Text(value: Buffer, what: string): string {
  const bad = value.findIndex((b) => b < 0x20 || b > 0x7e);
  if (bad >= 0) throw new CsrError(`CSR subjectAltName ${what} has byte 0x${value[bad].toString(16).padStart(2, '0')} at position ${bad}: not printable ASCII`);
  return value.toString('latin1');
}

function readGeneralNames(buf: Buffer, seq: Element): SubjectAltNames {
  const out = { dns: [] as string[], ips: [] as string[], emails: [] as string[], uris: [] as string[] };
  for (const gn of children(buf, seq)) {
    const value = contents(buf, gn);
    switch (gn.tag) {
      case 0x82:
        out.dns.push(ia5Text(value, 'DNS name'));
        break;
      case 0x87:
        out.ips.push(formatIp(value));
        break;
      case 0x81:
        out.emails.push(ia5Text(value, 'email address'));
        break;
      case 0x86:
        out.uris.push(ia5Text(value, 'URI'));
        break;
      default:
        throw new CsrError(`unsupported subjectAltName type in CSR (tag 0x${gn.tag.toString(16)})`);
    }
  }
  return out;
}

function readRequestedSans(buf: Buffer, attributes: Element | undefined): SubjectAltNames {
  const none = { dns: [], ips: [], emails: [], uris: [] };
  if (!attributes) return none;
  for (const attr of children(buf, attributes)) {
    const [type, values] = expectChildren(buf, attr, Tag.SEQUENCE, 'Attribute');
    if (readOid(buf, type) !== OID.extensionRequest) continue;
    for (const exts of children(buf, values)) {
      for (const ext of expectChildren(buf, exts, Tag.SEQUENCE, 'Extensions')) {
        const parts = children(buf, ext);
        if (readOid(buf, parts[0]) !== OID.subjectAltName) continue;
        const octets = parts[parts.length - 1];
        const inner = readElement(buf, octets.contentStart, octets.end);
        // DER inside an OCTET STRING: bounded like the rest, before it is read.
        checkStructure(buf, inner);
        return readGeneralNames(buf, inner);
      }
    }
  }
  return none;
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
    return {
      der,
      info: whole(der, infoEl),
      commonName: readCommonName(der, subjectEl),
      publicKey: whole(der, spkiEl),
      sans: readRequestedSans(der, attributesEl),
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
export function publicKeyInfo(spki: Buffer): PublicKeyInfo {
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
    key = importSpki(spki, parsed);
  } catch {
    throw new CsrError(`CSR public key (${parsed.kty} ${parsed.curve ?? parsed.bits ?? ''}) cannot be read`);
  }
  const description = parsed.kty === 'RSA' ? `RSA ${parsed.bits}` : parsed.kty === 'EC' ? `EC ${parsed.curve}` : 'Ed25519';
  return { key, kty: parsed.kty, curve: parsed.curve, bits: parsed.bits, description };
}

/** Verifies the CSR's self-signature with its own public key; returns that key's description. */
export function verifyCsr(csr: ParsedCsr): PublicKeyInfo {
  const info = publicKeyInfo(csr.publicKey);
  const family = signatureKeyType(csr.signatureAlgorithm);
  if (!family) throw new CsrError(`CSR signature algorithm ${csr.signatureAlgorithm} is not supported`);
  if (family !== info.kty) throw new CsrError(`CSR signature algorithm does not fit its ${info.description} key`);
  if (!verifySignature(csr.signatureAlgorithm, csr.info, info.key, csr.signature, csr.signatureParams)) throw new CsrError('CSR signature does not verify');
  return info;
}
