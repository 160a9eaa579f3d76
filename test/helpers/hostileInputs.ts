import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { bitString, implicitConstructed, integer, oid, sequence, set, tlv, Tag, utf8String } from '../../src/pki/der.js';
import { subjectAltName, classifySans } from '../../src/pki/extensions.js';
import { createSigner, spkiDer } from '../../src/pki/keys.js';
import { OID } from '../../src/pki/oids.js';
import { toPem } from '../../src/pki/pem.js';

/**
 * The worst inputs an attacker can send fedca's parsers, built by hand (the
 * builders of src/ refuse to make them): what the hardening tests, the fuzzers and
 * `bench/hostile.ts` feed the CA.
 */

let p256: KeyObject | undefined;
/** One P-256 key for every hostile CSR (making keys is not what is measured). */
export const hostileKey = (): KeyObject => (p256 ??= generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);

/** An OBJECT IDENTIFIER element of `bytes` content bytes (1.2 followed by arcs of 0x81 0x01 pairs): valid DER, absurd length. */
export function hugeOid(bytes: number): Buffer {
  const body = Buffer.alloc(bytes, 0x01);
  body[0] = 0x2a;
  for (let i = 1; i + 1 < bytes; i += 2) body[i] = 0x81;
  return tlv(Tag.OID, body);
}

/** The header (tag and DER length) of a SEQUENCE with `length` content bytes. */
function sequenceHeader(length: number): Buffer {
  if (length < 0x80) return Buffer.from([Tag.SEQUENCE, length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([Tag.SEQUENCE, 0x80 | bytes.length, ...bytes]);
}

/** `depth` SEQUENCEs, each holding the next (headers built inside out: linear, whatever the depth). */
export function deepSequence(depth: number): Buffer {
  const headers: Buffer[] = [];
  let length = 0;
  for (let i = 0; i < depth; i++) {
    const header = sequenceHeader(length);
    headers.push(header);
    length += header.length;
  }
  return Buffer.concat(headers.reverse());
}

/** A signed PKCS #10 request with the parts given as DER (each part defaults to a sane one). */
/** (`signature` replaces the real signature's bytes.) */
export function rawCsr(parts: { subject?: Buffer; attributes?: Buffer[]; signatureAlgorithm?: Buffer; key?: KeyObject; spki?: Buffer; signature?: Buffer } = {}): string {
  const key = parts.key ?? hostileKey();
  const signer = createSigner(key);
  const info = sequence(
    integer(0),
    parts.subject ?? sequence(set(sequence(oid(OID.commonName), utf8String('svc.internal')))),
    parts.spki ?? spkiDer(key),
    implicitConstructed(0, ...(parts.attributes ?? [])),
  );
  return toPem(sequence(info, parts.signatureAlgorithm ?? signer.algorithm, bitString(parts.signature ?? signer.sign(info))), 'CERTIFICATE REQUEST');
}

/** A CSR whose subject attribute type is an OID of `bytes` content bytes. */
export const csrWithHugeOid = (bytes: number): string => rawCsr({ subject: sequence(set(sequence(hugeOid(bytes), utf8String('x')))) });

/** A CSR whose signature algorithm is an OID of `bytes` content bytes. */
export const csrWithHugeSignatureOid = (bytes: number): string => rawCsr({ signatureAlgorithm: sequence(hugeOid(bytes)) });

/** A CSR with an attribute nested `depth` SEQUENCEs deep. */
export const csrWithDeepNesting = (depth: number): string => rawCsr({ attributes: [sequence(oid('1.2.3.4'), set(deepSequence(depth)))] });

/** A CSR asking for `count` DNS names (n0.example ... ). */
export function csrWithManySans(count: number, subject = 'svc.internal'): string {
  const sans = Array.from({ length: count }, (_, i) => `n${i}.example`);
  const extensions = sequence(subjectAltName(classifySans(sans)));
  return rawCsr({
    subject: sequence(set(sequence(oid(OID.commonName), utf8String(subject)))),
    attributes: [sequence(oid(OID.extensionRequest), set(extensions))],
  });
}

/** An RSA SubjectPublicKeyInfo with a modulus of `modulusBytes` bytes and an exponent of `exponentBytes` bytes (not a real key). */
export function rsaSpki(modulusBytes: number, exponentBytes: number): Buffer {
  const n = Buffer.alloc(modulusBytes, 0xff);
  const e = Buffer.alloc(exponentBytes, 0xff);
  e[e.length - 1] = 0x01;
  const rsaKey = sequence(tlv(Tag.INTEGER, Buffer.concat([Buffer.from([0]), n])), tlv(Tag.INTEGER, Buffer.concat([Buffer.from([0]), e])));
  return sequence(sequence(oid(OID.rsaEncryption), tlv(Tag.NULL)), bitString(rsaKey));
}

/** A CSR carrying an RSA key of `modulusBytes`/`exponentBytes` (signed by another key: the key is refused before any signature check). */
export const csrWithRsaKey = (modulusBytes: number, exponentBytes: number): string => rawCsr({ spki: rsaSpki(modulusBytes, exponentBytes) });

/** A real RSA key of `bits` and its CSR, signed with it (RSA 16384 takes minutes to make: cache what you can). */
export function realRsaCsr(bits: number): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return rawCsr({ key: privateKey });
}
