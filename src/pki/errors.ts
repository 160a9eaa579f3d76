/** The errors of pki/: each carries a stable `code`. */

/** A CSR that is malformed or whose signature does not verify. */
export class CsrError extends Error {
  readonly code = 'ERR_CSR';
}

/** Thrown for bytes that are not well-formed DER of the expected shape. */
export class DerError extends Error {
  readonly code = 'ERR_DER';
}

/** Thrown when a private key cannot be read: wrong password, or not a key. */
export class KeyDecryptError extends Error {
  readonly code = 'ERR_KEY_DECRYPT';
}

/** Thrown when a response cannot be trusted: signature, signer, nonce or times are off. */
export class OcspResponseError extends Error {
  readonly code = 'ERR_OCSP_RESPONSE';
}
