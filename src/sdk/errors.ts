/**
 * The SDK's errors. Each class carries a stable `code`, so callers can tell
 * "the CA said no" from "the CA could not be reached" without parsing messages.
 */

/** The CA answered with a non-2xx status; `serverMessage` is its `message`, `serverCode` its `code` (api.md) when it sent one. */
export class CaError extends Error {
  readonly code = 'ERR_CA_RESPONSE';

  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly serverCode?: string,
  ) {
    super(`the CA answered ${status}: ${serverMessage}`);
  }
}

/** The CA could not be reached, the TLS handshake failed, or the answer was not the expected JSON. */
export class CaConnectionError extends Error {
  readonly code = 'ERR_CA_CONNECTION';
}

/** Bootstrapping refused the CA: fingerprint mismatch, or a TLS chain that does not lead to the root. */
export class BootstrapError extends Error {
  readonly code = 'ERR_BOOTSTRAP';
}

/** A provisioner could not be used: not found, not a JWK provisioner, or its key cannot be decrypted. */
export class ProvisionerError extends Error {
  readonly code = 'ERR_PROVISIONER';
}

/** Single sign-on failed: the identity provider cannot be reached, refused the login, or the person did not finish it in time. */
export class SingleSignOnError extends Error {
  readonly code = 'ERR_SINGLE_SIGN_ON';
}

/** Thrown for an unreadable defaults file, or when saving would overwrite another CA's. */
export class ClientHomeError extends Error {
  readonly code = 'ERR_CLIENT_HOME';
}

/** A CRL the CA sent does not verify: malformed, not signed by the CA's intermediate (or root), or an intermediate that does not chain to the root. */
export class CrlVerificationError extends Error {
  readonly code = 'ERR_CRL_VERIFICATION';
}

/** A platform identity could not be had: the metadata service cannot be reached or refused, or the service-account token file cannot be read. */
export class CloudIdentityError extends Error {
  readonly code = 'ERR_CLOUD_IDENTITY';
}
