import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { boolean, children, contents, implicitConstructed, implicitPrimitive, integer, octetString, oid, readBitString, readInteger, readRoot, sequence, sequenceOf, tlv, Tag } from './der.js';
import { ia5Bytes } from './nameEncoding.js';
import { ipBytes } from './ip.js';
import { OID } from './oids.js';

/** Encodes one Extension (RFC 5280 §4.1): extnID, critical (only when true), extnValue. */
export function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** basicConstraints (critical): cA, and pathLenConstraint for a CA when given. */
export function basicConstraints(ca: boolean, pathLen?: number): Buffer {
  const parts: Buffer[] = [];
  if (ca) parts.push(boolean(true));
  if (ca && pathLen !== undefined) parts.push(integer(pathLen));
  return extension(OID.basicConstraints, sequence(...parts), true);
}

/** The KeyUsage bits of RFC 5280 §4.2.1.3. */
export const KeyUsage = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
} as const;
export type KeyUsageName = keyof typeof KeyUsage;

/** The default leaf profile's key usages (api.md): digitalSignature, plus keyEncipherment for an RSA key (TLS 1.2 RSA key exchange). */
export function defaultKeyUsages(rsaKey: boolean): KeyUsageName[] {
  return rsaKey ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'];
}

/** keyUsage (critical), as a DER named-bit BIT STRING (trailing zero bits dropped). */
export function keyUsage(usages: readonly KeyUsageName[]): Buffer {
  let bits = 0;
  for (const u of usages) bits |= 0x80 >> KeyUsage[u];
  let unused = 0;
  while (unused < 7 && !(bits & (1 << unused))) unused++;
  return extension(OID.keyUsage, tlv(Tag.BIT_STRING, Buffer.from([unused, bits])), true);
}

/** extKeyUsage: the given purposes, by OID. */
export function extKeyUsage(purposes: readonly string[]): Buffer {
  return extension(OID.extKeyUsage, sequence(...purposes.map(oid)));
}

/** Subject alternative names by kind, as step-ca classifies them. */
export interface SubjectAltNames {
  readonly dns: string[];
  readonly ips: string[];
  readonly emails: string[];
  readonly uris: string[];
}

const URI_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Sorts names into IP, email, URI or DNS name, in the order given. */
export function classifySans(names: readonly string[]): SubjectAltNames {
  const out: SubjectAltNames = { dns: [], ips: [], emails: [], uris: [] };
  for (const name of names) {
    if (isIP(name)) out.ips.push(name);
    else if (name.includes('@') && !name.includes('/')) out.emails.push(name);
    else if (URI_SCHEME.test(name) && !isIP(name.split(':')[0])) out.uris.push(name);
    else out.dns.push(name);
  }
  return out;
}

/** subjectAltName; critical when the subject is empty, as RFC 5280 §4.2.1.6 requires. Names must be ASCII already (see encodableSans); NameError otherwise. */
export function subjectAltName(sans: SubjectAltNames, critical = false): Buffer {
  const names = [
    ...sans.dns.map((n) => implicitPrimitive(2, ia5Bytes(n, 'DNS name'))),
    ...sans.ips.map((n) => implicitPrimitive(7, ipBytes(n))),
    ...sans.emails.map((n) => implicitPrimitive(1, ia5Bytes(n, 'email address'))),
    ...sans.uris.map((n) => implicitPrimitive(6, ia5Bytes(n, 'URI'))),
  ];
  return extension(OID.subjectAltName, sequenceOf(names), critical);
}

/** Key identifier of RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits. */
export function keyIdentifier(spki: Buffer): Buffer {
  const root = readRoot(spki);
  const [, subjectPublicKey] = children(spki, root);
  return createHash('sha1').update(readBitString(spki, subjectPublicKey)).digest();
}

export const subjectKeyIdentifier = (keyId: Buffer): Buffer => extension(OID.subjectKeyIdentifier, octetString(keyId));
export const authorityKeyIdentifier = (keyId: Buffer): Buffer => extension(OID.authorityKeyIdentifier, sequence(implicitPrimitive(0, keyId)));

/** cRLDistributionPoints with one fullName URI. */
export function crlDistributionPoint(url: string): Buffer {
  const fullName = implicitConstructed(0, implicitPrimitive(6, ia5Bytes(url, 'URI')));
  return extension(OID.cRLDistributionPoints, sequence(sequence(implicitConstructed(0, fullName))));
}

/** authorityInfoAccess with an OCSP responder URL, and (when given) a caIssuers URL where the issuer's certificate is published. */
export function ocspAccess(url: string, caIssuersUrl?: string): Buffer {
  const access = (method: string, location: string): Buffer => sequence(oid(method), implicitPrimitive(6, ia5Bytes(location, 'URI')));
  const descriptions = [access(OID.accessOcsp, url), ...(caIssuersUrl ? [access(OID.accessCaIssuers, caIssuersUrl)] : [])];
  return extension(OID.authorityInfoAccess, sequence(...descriptions));
}

/** Provisioner types as step-ca numbers them in its provisioner extension (authority/provisioner/provisioner.go). */
export const ProvisionerTypeCode = { JWK: 1, OIDC: 2, GCP: 3, AWS: 4, Azure: 5, ACME: 6, X5C: 7, K8sSA: 8, SSHPOP: 9 } as const;

/**
 * step-ca's provisioner extension: SEQUENCE { type INTEGER, name OCTET STRING,
 * credentialID OCTET STRING }, so a later renew or revoke can find the provisioner.
 */
export function provisionerExtension(type: number, name: string, credentialId: string): Buffer {
  return extension(OID.stepProvisioner, sequence(integer(type), octetString(Buffer.from(name, 'utf8')), octetString(Buffer.from(credentialId, 'utf8'))));
}


/** What step-ca's provisioner extension says: the type code, name and credential (key) id. */
export interface ProvisionerReference {
  readonly type: number;
  readonly name: string;
  readonly credentialId: string;
}

/** Reads a provisioner extension's value (the extnValue contents). Throws DerError when malformed. */
export function readProvisionerExtension(value: Buffer): ProvisionerReference {
  const [type, name, credential] = children(value, readRoot(value));
  return {
    type: Number(readInteger(value, type)),
    name: contents(value, name).toString('utf8'),
    credentialId: credential ? contents(value, credential).toString('utf8') : '',
  };
}
