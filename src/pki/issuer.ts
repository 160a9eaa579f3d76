import { randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { contents, readRoot, Tag } from './der.js';
import { keyIdentifier } from './extensions.js';
import { createSigner, type Signer } from './keys.js';
import { OID } from './oids.js';

/** A CA certificate with its private key: everything needed to issue under it. */
export interface Issuer {
  readonly certificate: ParsedCertificate;
  /** The subject key identifier of the CA key, used as the AKI of what it issues. */
  readonly keyId: Buffer;
  readonly signer: Signer;
  /** The CA's public key, to check what it issued. */
  readonly publicKey: KeyObject;
}

/**
 * The key id a CA's certificates point to: its subjectKeyIdentifier as written
 * (a CA made by another tool may have derived it another way), else RFC 5280 method 1.
 */
function caKeyId(certificate: ParsedCertificate): Buffer {
  const ski = certificate.extensions.find((e) => e.id === OID.subjectKeyIdentifier);
  if (ski) {
    const el = readRoot(ski.value);
    if (el.tag === Tag.OCTET_STRING && el.end > el.contentStart) return contents(ski.value, el);
  }
  return keyIdentifier(certificate.publicKey);
}

/** Pairs a CA certificate with its key; throws when the key does not match the certificate. */
export function createIssuer(certificateDer: Buffer, key: KeyObject): Issuer {
  const x509 = new X509Certificate(certificateDer);
  if (!x509.checkPrivateKey(key)) throw new Error('the private key does not match the certificate');
  const certificate = parseCertificate(certificateDer);
  return { certificate, keyId: caKeyId(certificate), signer: createSigner(key), publicKey: x509.publicKey };
}

/** Bytes of a serial's leading millisecond timestamp (big-endian): 48 bits run to the year 10889. */
const SERIAL_TIME_BYTES = 6;
/**
 * Bytes of CSPRNG output after it: 80 bits, above the 64 the CA/Browser Forum's Baseline
 * Requirements (7.1) ask, and what keeps serials unique across processes and replicas
 * (with the store's primary key behind it) without any coordination between them.
 */
const SERIAL_RANDOM_BYTES = 10;
/**
 * Serials' random parts are cut from CSPRNG output drawn this many bytes at a time (never
 * reused: each draw is a new buffer). Measured 2026-11-28 inside a server under sign load:
 * a `randomBytes(16)` call cost 13 µs (OpenSSL 3's DRBG, locks and all), a slice of a pool
 * well under one.
 */
const SERIAL_POOL_BYTES = 4000;
let serialPool = Buffer.alloc(0);
let serialOffset = 0;

/**
 * A fresh 16-byte serial: the issuing time in milliseconds since 1970 (48 bits), then 80
 * random bits. Why the time first: the store keys certificates by their serial (a decimal
 * TEXT primary key), and with 128 random bits every insert landed on a random leaf page of
 * that index, so on PostgreSQL each checkpoint was followed by a full-page image of every
 * leaf touched — as many distinct pages as the store is large. The sign p99 at 1,000,000
 * certificates was +15.9% over the empty store's (2026-11-28 14:20, `BENCH_CASES=store`).
 * Serials that grow with time are inserted at one end of the index, whatever its size.
 * Measured 2026-11-28 on PostgreSQL 15 with a million certificates, 5,000 issuances right
 * after a CHECKPOINT (pg_walinspect, this database's records only): random serials wrote
 * 0.53–0.55 full-page images and 4.4 KB of WAL an issuance (2,640 of the primary key's
 * 8,000 leaves copied whole), these 0.013–0.035 and 1.4–1.5 KB (3–5 of its pages).
 *
 * The decimal form has 37 digits for every time from 1996-03-18 to 2232-02-15, so the
 * store's TEXT order (byte order on SQLite, and in any collation for digits of one length)
 * is time order throughout. The first byte is 0x01 until 2039-09-07; it is 0x00 only for
 * a time before 2004-11-03 (a clock set wrong), where the DER encoder drops it
 * (`unsignedInteger`): the INTEGER stays minimal and positive, at most 17 octets with a
 * sign byte, within RFC 5280's 20. Within one millisecond, and across clocks that disagree,
 * only the random bits order serials: that costs locality, never uniqueness.
 */
export function newSerial(nowMs: number = Date.now()): Buffer {
  if (serialOffset + SERIAL_RANDOM_BYTES > serialPool.length) {
    serialPool = randomBytes(SERIAL_POOL_BYTES);
    serialOffset = 0;
  }
  const serial = Buffer.allocUnsafe(SERIAL_TIME_BYTES + SERIAL_RANDOM_BYTES);
  serial.writeUIntBE(Math.max(0, Math.floor(nowMs)), 0, SERIAL_TIME_BYTES);
  // A copy: a certificate record may outlive the pool, which it should not keep alive.
  serialPool.copy(serial, SERIAL_TIME_BYTES, serialOffset, serialOffset + SERIAL_RANDOM_BYTES);
  serialOffset += SERIAL_RANDOM_BYTES;
  return serial;
}

/** A serial number's unsigned big-endian bytes as the decimal string step's API uses. */
export function serialDecimal(serial: Buffer): string {
  return serial.length === 0 ? '0' : BigInt('0x' + serial.toString('hex')).toString(10);
}
