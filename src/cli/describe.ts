import 'reflect-metadata';
import { createHash, createPublicKey } from 'node:crypto';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  Pkcs10CertificateRequest,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509Certificate,
  type Extension,
  type PublicKey,
} from '@peculiar/x509';
import { readProvisionerExtension } from '../pki/extensions.js';
import { OID } from '../pki/oids.js';

/** A public key as people name it: "EC P-256", "RSA 2048", "Ed25519". */
export interface PublicKeyDescription {
  readonly type: string;
  readonly bits?: number;
  readonly curve?: string;
}

/** One subject alternative name: its kind (dns, ip, email, url, ...) and value. */
export interface NameDescription {
  readonly type: string;
  readonly value: string;
}

/** What `fedca inspect` shows of a certificate or a certification request. */
export interface Description {
  readonly kind: 'certificate' | 'certificate request';
  readonly subject: string;
  readonly issuer?: string;
  readonly serial?: { readonly hex: string; readonly decimal: string };
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly publicKey: PublicKeyDescription;
  readonly signatureAlgorithm: string;
  readonly sans: NameDescription[];
  readonly keyUsage?: { readonly critical: boolean; readonly usages: string[] };
  readonly extKeyUsage?: string[];
  readonly basicConstraints?: { readonly critical: boolean; readonly ca: boolean; readonly pathLength?: number };
  readonly subjectKeyId?: string;
  readonly authorityKeyId?: string;
  /** step-ca's provisioner extension: which provisioner authorised the certificate. */
  readonly provisioner?: { readonly type: string; readonly name: string; readonly credentialId: string };
  readonly otherExtensions: { readonly oid: string; readonly critical: boolean }[];
  readonly sha256Fingerprint: string;
}

const CURVES: Readonly<Record<string, string>> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };
const EKU_NAMES: Readonly<Record<string, string>> = {
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  [OID.ocspSigning]: 'OCSPSigning',
};
const PROVISIONER_TYPES: Readonly<Record<string, string>> = { '1': 'JWK', '2': 'OIDC', '3': 'GCP', '4': 'AWS', '5': 'Azure', '6': 'ACME', '7': 'X5C', '8': 'K8sSA', '9': 'SSHPOP' };
const KNOWN = new Set<string>([
  OID.keyUsage,
  OID.extKeyUsage,
  OID.basicConstraints,
  OID.subjectAltName,
  OID.subjectKeyIdentifier,
  OID.authorityKeyIdentifier,
  OID.stepProvisioner,
]);

/** Hex with a colon between bytes, as OpenSSL prints key identifiers. */
const colonHex = (hex: string | undefined): string | undefined => hex && (hex.toLowerCase().match(/../g) ?? []).join(':');

function describePublicKey(key: PublicKey): PublicKeyDescription {
  const node = createPublicKey({ key: Buffer.from(key.rawData), format: 'der', type: 'spki' });
  const details = node.asymmetricKeyDetails ?? {};
  switch (node.asymmetricKeyType) {
    case 'ec':
      return { type: 'EC', curve: CURVES[details.namedCurve ?? ''] ?? details.namedCurve };
    case 'rsa':
    case 'rsa-pss':
      return { type: node.asymmetricKeyType === 'rsa' ? 'RSA' : 'RSA-PSS', bits: details.modulusLength };
    case 'ed25519':
      return { type: 'Ed25519' };
    default:
      return { type: node.asymmetricKeyType ?? 'unknown' };
  }
}

function describeSignature(algorithm: Algorithm & { hash?: Algorithm }): string {
  return algorithm.hash ? `${algorithm.name} with ${algorithm.hash.name}` : algorithm.name;
}

function keyUsageNames(flags: number): string[] {
  return Object.entries(KeyUsageFlags)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && (flags & entry[1]) !== 0)
    .map(([name]) => name);
}

/** step-ca's provisioner extension: SEQUENCE { type INTEGER, name OCTET STRING, credentialID OCTET STRING, ... }. */
function describeProvisioner(ext: Extension): Description['provisioner'] {
  try {
    const ref = readProvisionerExtension(Buffer.from(ext.value));
    return { type: PROVISIONER_TYPES[String(ref.type)] ?? String(ref.type), name: ref.name, credentialId: ref.credentialId };
  } catch {
    return undefined;
  }
}

type Inspectable = X509Certificate | Pkcs10CertificateRequest;
type CommonFields = Omit<Description, 'kind' | 'issuer' | 'serial' | 'notBefore' | 'notAfter'>;

function describeExtensions(item: Inspectable): Pick<Description, 'sans' | 'keyUsage' | 'extKeyUsage' | 'basicConstraints' | 'subjectKeyId' | 'authorityKeyId' | 'provisioner' | 'otherExtensions'> {
  const find = <T extends Extension>(type: new (raw: BufferSource) => T): T | undefined => item.extensions.find((e): e is T => e instanceof type);
  const san = find(SubjectAlternativeNameExtension);
  const ku = find(KeyUsagesExtension);
  const eku = find(ExtendedKeyUsageExtension);
  const bc = find(BasicConstraintsExtension);
  const provisioner = item.extensions.find((e) => e.type === OID.stepProvisioner);
  return {
    sans: san ? san.names.items.map((n) => ({ type: n.type, value: n.value })) : [],
    keyUsage: ku && { critical: ku.critical, usages: keyUsageNames(ku.usages) },
    extKeyUsage: eku?.usages.map((u) => EKU_NAMES[String(u)] ?? String(u)),
    basicConstraints: bc && { critical: bc.critical, ca: bc.ca, ...(bc.pathLength !== undefined ? { pathLength: bc.pathLength } : {}) },
    subjectKeyId: colonHex(find(SubjectKeyIdentifierExtension)?.keyId),
    authorityKeyId: colonHex(find(AuthorityKeyIdentifierExtension)?.keyId),
    provisioner: provisioner && describeProvisioner(provisioner),
    otherExtensions: item.extensions.filter((e) => !KNOWN.has(e.type)).map((e) => ({ oid: e.type, critical: e.critical })),
  };
}

/** What certificates and CSRs both have: subject, key, signature algorithm, extensions, fingerprint. */
function describeCommon(item: Inspectable, der: Buffer): CommonFields {
  return {
    subject: item.subject,
    publicKey: describePublicKey(item.publicKey),
    signatureAlgorithm: describeSignature(item.signatureAlgorithm),
    ...describeExtensions(item),
    sha256Fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

/** Describes a DER certificate. Throws when it is not one. */
export function describeCertificate(der: Buffer): Description {
  const cert = new X509Certificate(new Uint8Array(der));
  const serialHex = cert.serialNumber.toLowerCase();
  const { subject, ...common } = describeCommon(cert, der);
  return {
    kind: 'certificate',
    subject,
    issuer: cert.issuer,
    serial: { hex: serialHex, decimal: BigInt('0x' + (serialHex || '0')).toString(10) },
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    ...common,
  };
}

/** Describes a DER PKCS#10 certification request (what it asks for; its signature is not checked). Throws when it is not one. */
export function describeCsr(der: Buffer): Description {
  return { kind: 'certificate request', ...describeCommon(new Pkcs10CertificateRequest(new Uint8Array(der)), der) };
}
