import { toPem } from '../pki/pem.js';

/**
 * A CRL as the CA serves it: its DER, its PEM (encoded once, when first asked for),
 * and what identifies it for HTTP validators: its number (one DER per number, across
 * every worker and replica) and its thisUpdate (whole seconds, later than the previous
 * CRL's by one at least, so it can serve as Last-Modified).
 */
export class PublishedCrl {
  private pemBytes?: Buffer;

  constructor(
    readonly crlNumber: bigint,
    readonly thisUpdate: Date,
    readonly der: Buffer,
  ) {}

  /** The PEM form (`-----BEGIN X509 CRL-----`), as bytes. */
  get pem(): Buffer {
    this.pemBytes ??= Buffer.from(toPem(this.der, 'X509 CRL'), 'ascii');
    return this.pemBytes;
  }
}
