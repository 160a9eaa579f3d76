import { createPublicKey } from 'node:crypto';
import { parseCertificate, type ParsedExtension } from '../pki/certificate.js';
import { parseCsrDer } from '../pki/csr.js';
import { curveOfNode } from '../pki/curves.js';
import { children, readOid, readRoot } from '../pki/der.js';
import {
  readAuthorityKeyIdentifier,
  readBasicConstraints,
  readCrlDistributionPoints,
  readExtKeyUsage,
  readGeneralNames,
  readKeyUsage,
  readOcspUrls,
  readSubjectKeyIdentifier,
} from '../pki/extensionReaders.js';
import { ProvisionerTypeCode, readProvisionerExtension } from '../pki/extensions.js';
import { fingerprint } from '../pki/fingerprint.js';
import { nameText } from '../pki/name.js';
import { OCSP_OID } from '../pki/ocsp.js';
import { OID } from '../pki/oids.js';
import { signatureAlgorithmName } from '../pki/signature.js';

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
  /** Where the CA publishes its CRL (cRLDistributionPoints). */
  readonly crlDistributionPoints?: string[];
  /** Where the CA answers OCSP (authorityInfoAccess). */
  readonly ocspResponders?: string[];
  /** The OCSP responder's own certificate needs no revocation check (id-pkix-ocsp-nocheck). */
  readonly ocspNoCheck?: boolean;
  /** Extensions fedca does not read, by OID. */
  readonly otherExtensions: { readonly oid: string; readonly critical: boolean }[];
  readonly sha256Fingerprint: string;
}

const EKU_NAMES: Readonly<Record<string, string>> = {
  [OID.serverAuth]: 'serverAuth',
  [OID.clientAuth]: 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  [OID.ocspSigning]: 'OCSPSigning',
};
/** step-ca's provisioner type numbers read back: 1 is JWK, ... */
const PROVISIONER_TYPES: ReadonlyMap<number, string> = new Map(Object.entries(ProvisionerTypeCode).map(([name, code]) => [code, name]));

/** Hex with a colon between bytes, as OpenSSL prints key identifiers. */
const colonHex = (bytes: Buffer | undefined): string | undefined => bytes && (bytes.toString('hex').match(/../g) ?? []).join(':');

function describePublicKey(spki: Buffer): PublicKeyDescription {
  const node = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  const details = node.asymmetricKeyDetails ?? {};
  switch (node.asymmetricKeyType) {
    case 'ec':
      return { type: 'EC', curve: curveOfNode(details.namedCurve)?.name ?? details.namedCurve };
    case 'rsa':
    case 'rsa-pss':
      return { type: node.asymmetricKeyType === 'rsa' ? 'RSA' : 'RSA-PSS', bits: details.modulusLength };
    case 'ed25519':
      return { type: 'Ed25519' };
    default:
      return { type: node.asymmetricKeyType ?? 'unknown' };
  }
}

/** The name of a signature algorithm (a DER AlgorithmIdentifier), or its OID. */
function describeSignature(algorithmIdentifier: Buffer): string {
  const algorithm = readOid(algorithmIdentifier, children(algorithmIdentifier, readRoot(algorithmIdentifier))[0]);
  return signatureAlgorithmName(algorithm);
}

/** step-ca's provisioner extension, undefined when it cannot be read. */
function describeProvisioner(value: Buffer): Description['provisioner'] {
  try {
    const ref = readProvisionerExtension(value);
    return { type: PROVISIONER_TYPES.get(ref.type) ?? String(ref.type), name: ref.name, credentialId: ref.credentialId };
  } catch {
    return undefined;
  }
}

type ExtensionFields = Pick<
  Description,
  'sans' | 'keyUsage' | 'extKeyUsage' | 'basicConstraints' | 'subjectKeyId' | 'authorityKeyId' | 'provisioner' | 'crlDistributionPoints' | 'ocspResponders' | 'ocspNoCheck' | 'otherExtensions'
>;

/** Each extension fedca writes, read into its field of the description. */
const READERS: Readonly<Record<string, (e: ParsedExtension) => Partial<ExtensionFields>>> = {
  [OID.subjectAltName]: (e) => ({ sans: readGeneralNames(e.value) }),
  [OID.keyUsage]: (e) => ({ keyUsage: { critical: e.critical, usages: readKeyUsage(e.value) } }),
  [OID.extKeyUsage]: (e) => ({ extKeyUsage: readExtKeyUsage(e.value).map((u) => EKU_NAMES[u] ?? u) }),
  [OID.basicConstraints]: (e) => ({ basicConstraints: { critical: e.critical, ...readBasicConstraints(e.value) } }),
  [OID.subjectKeyIdentifier]: (e) => ({ subjectKeyId: colonHex(readSubjectKeyIdentifier(e.value)) }),
  [OID.authorityKeyIdentifier]: (e) => ({ authorityKeyId: colonHex(readAuthorityKeyIdentifier(e.value)) }),
  [OID.stepProvisioner]: (e) => ({ provisioner: describeProvisioner(e.value) }),
  [OID.cRLDistributionPoints]: (e) => ({ crlDistributionPoints: readCrlDistributionPoints(e.value) }),
  [OID.authorityInfoAccess]: (e) => ({ ocspResponders: readOcspUrls(e.value) }),
  [OCSP_OID.noCheck]: () => ({ ocspNoCheck: true }),
};

function describeExtensions(extensions: readonly ParsedExtension[]): ExtensionFields {
  const fields: ExtensionFields = { sans: [], otherExtensions: [] };
  for (const e of extensions) {
    const read = READERS[e.id];
    if (read) Object.assign(fields, read(e));
    else fields.otherExtensions.push({ oid: e.id, critical: e.critical });
  }
  return fields;
}

/** Describes a DER certificate, with fedca's own DER reader. Throws when it is not one. */
export function describeCertificate(der: Buffer): Description {
  const cert = parseCertificate(der);
  const serialHex = cert.serial.toString(16);
  return {
    kind: 'certificate',
    subject: nameText(cert.subject),
    issuer: nameText(cert.issuer),
    serial: { hex: serialHex.length % 2 ? '0' + serialHex : serialHex, decimal: cert.serial.toString(10) },
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
    publicKey: describePublicKey(cert.publicKey),
    signatureAlgorithm: describeSignature(cert.signatureAlgorithm),
    ...describeExtensions(cert.extensions),
    sha256Fingerprint: fingerprint(der),
  };
}

/** Describes a DER PKCS#10 certification request (what it asks for; its signature is not checked). Throws when it is not one. */
export function describeCsr(der: Buffer): Description {
  const csr = parseCsrDer(der);
  return {
    kind: 'certificate request',
    subject: nameText(csr.subject),
    publicKey: describePublicKey(csr.publicKey),
    signatureAlgorithm: signatureAlgorithmName(csr.signatureAlgorithm),
    ...describeExtensions(csr.extensions),
    sha256Fingerprint: fingerprint(der),
  };
}
