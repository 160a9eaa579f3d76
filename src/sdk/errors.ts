/**
 * The SDK's errors. Each class carries a stable `code`, so callers can tell
 * "the CA said no" from "the CA could not be reached" without parsing messages.
 */

/** The CA answered with a non-2xx status; `serverMessage` is its `message`. */
export class CaError extends Error {
  readonly code = 'ERR_CA_RESPONSE';

  constructor(
    readonly status: number,
    readonly serverMessage: string,
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

/** OpenVPN's management interface answered a command with `ERROR: ...`; `text` is what followed. */
export class ManagementCommandError extends Error {
  readonly code = 'ERR_MANAGEMENT_COMMAND';

  constructor(
    readonly command: string,
    readonly text: string,
  ) {
    super(`OpenVPN refused "${command.split(' ')[0]}": ${text}`);
  }
}

/** Not connected to OpenVPN's management interface, or the connection dropped before the answer. */
export class ManagementConnectionError extends Error {
  readonly code = 'ERR_MANAGEMENT_CONNECTION';
}

/** OpenVPN's management interface wants a password that was not given, or refused the one given. */
export class ManagementAuthError extends Error {
  readonly code = 'ERR_MANAGEMENT_AUTH';
}

/** A CRL the CA sent does not verify: malformed, not signed by the CA's intermediate (or root), or an intermediate that does not chain to the root. */
export class CrlVerificationError extends Error {
  readonly code = 'ERR_CRL_VERIFICATION';
}
