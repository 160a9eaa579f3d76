import type { KeyObject } from 'node:crypto';
import { signCertificate } from './certificate.js';
import { authorityKeyIdentifier, basicConstraints, defaultKeyUsages, extKeyUsage, keyIdentifier, keyUsage, subjectAltName, subjectKeyIdentifier, type KeyUsageName, type SubjectAltNames } from './extensions.js';
import { newSerial, type Issuer } from './issuer.js';
import { createSigner, spkiDer } from './keys.js';
import { encodeName } from './name.js';
import { OID } from './oids.js';

const YEAR_MS = 365.25 * 24 * 3600 * 1000;
/** How far notBefore (and a CRL's or OCSP answer's thisUpdate) is set back, so that relying parties with slightly slow clocks accept what the CA issues at once. */
export const BACKDATE_MS = 60_000;

/** A self-signed root: CA, pathLen 1 (root → intermediate → leaf), certSign + CRL sign. */
export function issueRoot(name: string, key: KeyObject, years = 10, now = new Date()): Buffer {
  const subject = encodeName({ organization: name, commonName: `${name} Root CA` });
  const publicKey = spkiDer(key);
  return signCertificate(
    {
      serial: newSerial(),
      issuer: subject,
      subject,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + years * YEAR_MS),
      publicKey,
      extensions: [keyUsage(['keyCertSign', 'cRLSign']), basicConstraints(true, 1), subjectKeyIdentifier(keyIdentifier(publicKey))],
    },
    createSigner(key),
  );
}

/** An issuing intermediate under `root`: CA, pathLen 0, certSign + CRL sign. */
export function issueIntermediate(name: string, publicKeyOf: KeyObject, root: Issuer, years = 10, now = new Date()): Buffer {
  const publicKey = spkiDer(publicKeyOf);
  const notAfter = new Date(Math.min(now.getTime() + years * YEAR_MS, root.certificate.notAfter.getTime()));
  return signCertificate(
    {
      serial: newSerial(),
      issuer: root.certificate.subject,
      subject: encodeName({ organization: name, commonName: `${name} Intermediate CA` }),
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter,
      publicKey,
      extensions: [
        keyUsage(['keyCertSign', 'cRLSign']),
        basicConstraints(true, 0),
        subjectKeyIdentifier(keyIdentifier(publicKey)),
        authorityKeyIdentifier(root.keyId),
      ],
    },
    root.signer,
  );
}

/** Inputs of an end-entity certificate. */
export interface LeafRequest {
  readonly commonName: string;
  readonly sans: SubjectAltNames;
  /** DER SubjectPublicKeyInfo of the subject's key. */
  readonly publicKey: Buffer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Extra DER extensions appended after the profile's own (provisioner, CRL DP, ...). */
  readonly extraExtensions?: readonly Buffer[];
  /** keyEncipherment is added for RSA keys, as TLS 1.2 RSA key exchange needs it (default key usages only). */
  readonly rsaKey?: boolean;
  /** Key usages; default digitalSignature, plus keyEncipherment for an RSA key. */
  readonly keyUsages?: readonly KeyUsageName[];
  /** Extended key usages; default serverAuth + clientAuth. */
  readonly extKeyUsages?: readonly string[];
}

/** The default leaf profile of api.md, signed by `issuer`. */
export function issueLeaf(request: LeafRequest, issuer: Issuer, serial = newSerial()): Buffer {
  const emptySubject = request.commonName === '';
  const extensions = [
    keyUsage(request.keyUsages ?? defaultKeyUsages(request.rsaKey === true)),
    extKeyUsage(request.extKeyUsages ?? [OID.serverAuth, OID.clientAuth]),
    subjectKeyIdentifier(keyIdentifier(request.publicKey)),
    authorityKeyIdentifier(issuer.keyId),
  ];
  const { dns, ips, emails, uris } = request.sans;
  if (dns.length + ips.length + emails.length + uris.length > 0) extensions.push(subjectAltName(request.sans, emptySubject));
  if (request.extraExtensions) extensions.push(...request.extraExtensions);
  return signCertificate(
    {
      serial,
      issuer: issuer.certificate.subject,
      subject: emptySubject ? Buffer.from([0x30, 0]) : encodeName({ commonName: request.commonName }),
      notBefore: request.notBefore,
      notAfter: request.notAfter,
      publicKey: request.publicKey,
      extensions,
    },
    issuer.signer,
  );
}
