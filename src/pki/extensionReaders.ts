import { DerError } from './errors.js';
import { children, contents, readInteger, readOid, readRoot, Tag } from './der.js';
import { formatIp } from './ip.js';
import { KeyUsage, type KeyUsageName } from './extensions.js';
import { OID } from './oids.js';

/**
 * Readers of the extension values fedca writes (RFC 5280 §4.2), each taking an
 * extnValue's contents; the counterparts of the encoders in extensions.ts.
 * Each throws DerError when the value is malformed.
 */

/** One GeneralName (RFC 5280 §4.2.1.6), named as `fedca inspect` shows it. */
export interface GeneralName {
  readonly type: 'dns' | 'ip' | 'email' | 'url' | 'other';
  /** The name; for `other`, the context tag in hex. */
  readonly value: string;
}

const GENERAL_NAME_TYPES: Readonly<Record<number, GeneralName['type']>> = { 0x81: 'email', 0x82: 'dns', 0x86: 'url', 0x87: 'ip' };

/** The GeneralNames of a subjectAltName, in order. */
export function readGeneralNames(value: Buffer): GeneralName[] {
  return children(value, readRoot(value)).map((gn) => {
    const type = GENERAL_NAME_TYPES[gn.tag] ?? 'other';
    const bytes = contents(value, gn);
    if (type === 'other') return { type, value: `[0x${gn.tag.toString(16)}]` };
    // latin1 keeps every byte as it came (ascii would drop the high bit and turn 0xe4 into 'd'): readers judge them.
    return { type, value: type === 'ip' ? formatIp(bytes) : bytes.toString('latin1') };
  });
}

/** The usages a keyUsage BIT STRING asserts, in RFC 5280 order. */
export function readKeyUsage(value: Buffer): KeyUsageName[] {
  const root = readRoot(value);
  if (root.tag !== Tag.BIT_STRING) throw new DerError('expected a BIT STRING');
  // A named-bit list drops trailing zero bits: the first byte counts them, the rest are the bits.
  const bits = contents(value, root).subarray(1);
  return (Object.keys(KeyUsage) as KeyUsageName[]).filter((name) => ((bits[KeyUsage[name] >> 3] ?? 0) & (0x80 >> (KeyUsage[name] & 7))) !== 0);
}

/** The purposes (OIDs) of an extKeyUsage. */
export function readExtKeyUsage(value: Buffer): string[] {
  return children(value, readRoot(value)).map((el) => readOid(value, el));
}

/** basicConstraints: cA (default false) and pathLenConstraint when present. */
export function readBasicConstraints(value: Buffer): { ca: boolean; pathLength?: number } {
  let ca = false;
  let pathLength: number | undefined;
  for (const el of children(value, readRoot(value))) {
    if (el.tag === Tag.BOOLEAN) ca = contents(value, el)[0] !== 0;
    else if (el.tag === Tag.INTEGER) pathLength = Number(readInteger(value, el));
  }
  return pathLength === undefined ? { ca } : { ca, pathLength };
}

/** A subjectKeyIdentifier's key identifier. */
export function readSubjectKeyIdentifier(value: Buffer): Buffer {
  return contents(value, readRoot(value));
}

/** An authorityKeyIdentifier's keyIdentifier ([0]), when it has one. */
export function readAuthorityKeyIdentifier(value: Buffer): Buffer | undefined {
  const keyId = children(value, readRoot(value)).find((el) => el.tag === 0x80);
  return keyId && contents(value, keyId);
}

/** The URIs anywhere in a value (cRLDistributionPoints' fullNames), in order. */
function urisIn(value: Buffer, el = readRoot(value)): string[] {
  if (el.tag === 0x86) return [contents(value, el).toString('ascii')];
  return (el.tag & 0x20) !== 0 ? children(value, el).flatMap((child) => urisIn(value, child)) : [];
}

/** The URLs of a cRLDistributionPoints. */
export const readCrlDistributionPoints = (value: Buffer): string[] => urisIn(value);

/** The OCSP responder URLs of an authorityInfoAccess. */
export function readOcspUrls(value: Buffer): string[] {
  return children(value, readRoot(value)).flatMap((description) => {
    const [method, location] = children(value, description);
    return readOid(value, method) === OID.accessOcsp && location?.tag === 0x86 ? [contents(value, location).toString('ascii')] : [];
  });
}
