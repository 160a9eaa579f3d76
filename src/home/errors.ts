/** The errors of home/ (a CA's files on disk: init, load, adoption): each carries a stable `code`. */

/** An easy-rsa PKI that cannot be adopted: a file missing or unreadable, a key that does not fit. */
export class EasyRsaError extends Error {
  readonly code = 'ERR_EASYRSA';
}

/** An index.txt line that is not what `openssl ca` writes. */
export class IndexError extends Error {
  readonly code = 'ERR_OPENSSL_INDEX';
}

/** Thrown when init would overwrite a CA, or its inputs are wrong. Nothing was written. */
export class InitError extends Error {
  readonly code = 'ERR_INIT';
}

/** Thrown when the CA key cannot be decrypted with the password given. */
export class PasswordError extends Error {
  readonly code = 'ERR_PASSWORD';
}

/** A CRL or serial list of a step-ca's revocations that cannot be used: names the file and why. */
export class RevocationListError extends Error {
  readonly code = 'ERR_REVOCATION_LIST';
}

/** A step-ca's SQL database that cannot be read: names what and why. */
export class StepCaDbError extends Error {
  readonly code = 'ERR_STEP_CA_DB';
}
