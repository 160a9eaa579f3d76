import { parseCertificate } from '../pki/certificate.js';
import { commonNameOf } from '../pki/name.js';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { pemDers } from '../pki/pem.js';

/** A certificate of the CA and its private key, as the client presents them (mTLS) or signs with (renew token). */
export interface ClientCertificate {
  /** The chain, PEM, leaf first (the issuing intermediate after it, as `/sign` returns it). */
  readonly certPem: string;
  /** The leaf's private key, unencrypted PEM (PKCS#8, or PKCS#1 / SEC 1). */
  readonly keyPem: string;
}

/** A ClientCertificate, parsed. */
export interface ParsedClientCertificate {
  /** The chain, leaf first. */
  readonly chain: readonly X509Certificate[];
  readonly leaf: X509Certificate;
  readonly key: KeyObject;
}

/** The common name of a certificate's subject ('' when it has none). */
export function commonName(certificate: X509Certificate): string {
  return commonNameOf(parseCertificate(certificate.raw).subject);
}

/**
 * Parses a certificate chain and its key, and checks that the key is the leaf's.
 * Throws TypeError when `certPem` holds no certificate, `keyPem` is not a readable
 * unencrypted private key, or the key does not belong to the leaf.
 */
export function parseClientCertificate(credentials: ClientCertificate): ParsedClientCertificate {
  let chain: X509Certificate[];
  try {
    chain = pemDers(credentials.certPem).map((der) => new X509Certificate(der));
  } catch {
    throw new TypeError('the certificate PEM is malformed');
  }
  const [leaf] = chain;
  if (!leaf) throw new TypeError('the certificate PEM holds no certificate');
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: credentials.keyPem, format: 'pem' });
  } catch {
    throw new TypeError(credentials.keyPem.includes('ENCRYPTED') ? 'the private key is encrypted; an unencrypted one is needed' : 'the private key PEM is not a readable private key');
  }
  if (!leaf.checkPrivateKey(key)) throw new TypeError(`the private key is not the key of the certificate ${leaf.subject.replace(/\n/g, ', ')}`);
  return { chain, leaf, key };
}
