/** The errors of the OpenVPN agent and its management-interface client: each carries a stable `code`. */

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
