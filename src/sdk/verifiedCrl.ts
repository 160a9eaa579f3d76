import { X509Certificate } from 'node:crypto';
import { crlSignedBy, parseCrl, type ParsedCrl } from '../pki/readCrl.js';
import type { CaClient } from './caClient.js';
import { CrlVerificationError } from './errors.js';

/**
 * The CA certificates a CRL of this CA may be signed by: the intermediates the CA
 * publishes that its trusted root signed, and the root itself (a CA adopted from
 * easy-rsa issues with its root). DER.
 */
export async function crlSigners(client: CaClient): Promise<Buffer[]> {
  const root = new X509Certificate(client.rootPem);
  const signers = [root.raw];
  for (const pem of await client.intermediates()) {
    const intermediate = new X509Certificate(pem);
    if (intermediate.checkIssued(root) && intermediate.verify(root.publicKey)) signers.push(intermediate.raw);
  }
  return signers;
}

/** Reads a DER CRL and checks that one of `signers` (DER) issued and signed it. Throws CrlVerificationError otherwise. */
export function verifyCrl(der: Buffer, signers: readonly Buffer[]): ParsedCrl {
  let crl: ParsedCrl;
  try {
    crl = parseCrl(der);
  } catch (err) {
    throw new CrlVerificationError(`the CRL is malformed (${(err as Error).message})`);
  }
  if (!signers.some((s) => crlSignedBy(crl, s))) throw new CrlVerificationError("the CRL is not signed by the CA's intermediate or root");
  return crl;
}

/**
 * `GET /crl`, verified against the CA: resolves the parsed CRL. Throws
 * CrlVerificationError for a CRL the CA's keys did not sign, and what the
 * client throws when the CA cannot be asked.
 */
export async function fetchVerifiedCrl(client: CaClient): Promise<ParsedCrl> {
  return verifyCrl(await client.crl(), await crlSigners(client));
}
