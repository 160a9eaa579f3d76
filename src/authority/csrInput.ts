import { BadRequest } from '../errors.js';
import { parseCsrDer, parseCsrPem, verifyCsr, type ParsedCsr, type PublicKeyInfo } from '../pki/csr.js';
import { CsrError } from '../pki/errors.js';

/** A CSR from a request, parsed and with its self-signature checked. */
export interface VerifiedCsr {
  readonly csr: ParsedCsr;
  readonly publicKey: PublicKeyInfo;
}

/** A CSR `parse` reads, with its self-signature checked; BadRequest (400) saying what is wrong otherwise. */
async function verified(parse: () => ParsedCsr): Promise<VerifiedCsr> {
  try {
    const csr = parse();
    return { csr, publicKey: await verifyCsr(csr) };
  } catch (err) {
    if (err instanceof CsrError) throw new BadRequest(err.message);
    throw err;
  }
}

/** Reads and verifies a PEM CSR from a request (sign, rekey). */
export const readCsr = (pem: string): Promise<VerifiedCsr> => verified(() => parseCsrPem(pem));

/** Reads and verifies a DER CSR (ACME's finalize). */
export const readCsrDer = (der: Buffer): Promise<VerifiedCsr> => verified(() => parseCsrDer(der));
