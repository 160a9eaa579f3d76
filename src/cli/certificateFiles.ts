import type { KeyObject, X509Certificate } from 'node:crypto';
import { parseClientCertificate, type ClientCertificate } from '../sdk/clientCertificate.js';
import { CliError } from './fail.js';
import { readInputFile } from './inputFile.js';

/** A certificate chain and its key, read from the files the user named, parsed and checked to belong together. */
export interface CertificateFiles extends ClientCertificate {
  readonly leaf: X509Certificate;
  readonly key: KeyObject;
}

/**
 * Reads a chain file (PEM, leaf first) and its key file.
 * Throws CliError when either cannot be read or parsed, or the key is not the leaf's.
 */
export function readCertificateFiles(crtFile: string, keyFile: string): CertificateFiles {
  const certPem = readInputFile(crtFile, 'the certificate file').toString('utf8');
  const keyPem = readInputFile(keyFile, 'the key file').toString('utf8');
  try {
    const { leaf, key } = parseClientCertificate({ certPem, keyPem });
    return { certPem, keyPem, leaf, key };
  } catch (err) {
    if (err instanceof TypeError) throw new CliError(`${err.message} (${crtFile}, ${keyFile})`, 1);
    throw err;
  }
}
