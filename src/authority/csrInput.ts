import { BadRequest } from '../errors.js';
import { parseCsrDer, parseCsrPem, verifyCsr, type ParsedCsr, type PublicKeyInfo } from '../pki/csr.js';
import { CsrError } from '../pki/errors.js';

/** A CSR from a request, parsed and with its self-signature checked. */
export interface VerifiedCsr {
  readonly csr: ParsedCsr;
  readonly publicKey: PublicKeyInfo;
}

/** Reads and verifies a PEM CSR from a request; BadRequest (400) saying what is wrong otherwise. */
export function readCsr(pem: string): VerifiedCsr {
  try {
    const csr = parseCsrPem(pem);
    return { csr, publicKey: verifyCsr(csr) };
  } catch (err) {
    if (err instanceof CsrError) throw new BadRequest(err.message);
    throw err;
  }
}

/** Reads and verifies a DER CSR (ACME's finalize); BadRequest (400) saying what is wrong otherwise. */
export function readCsrDer(der: Buffer): VerifiedCsr {
  try {
    const csr = parseCsrDer(der);
    return { csr, publicKey: verifyCsr(csr) };
  } catch (err) {
    if (err instanceof CsrError) throw new BadRequest(err.message);
    throw err;
  }
}
