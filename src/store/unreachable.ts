/** Network errors of a connection that could not be made or was cut. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
/**
 * SQLSTATE classes and codes that mean "the database is not serving now":
 * 08 connection exception, 53 insufficient resources (too many connections),
 * 57P01-57P03 shutdown / starting up, 28 authentication (a password not yet
 * mounted), 3D000 database does not exist (not yet created).
 */
const UNAVAILABLE_STATES = /^(08|53|57P0[1-3]|28|3D000)/;
/** node-postgres's own messages for a connection lost or never made (they carry no code). */
const DRIVER_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|connection is not open|Client was closed/i;

/**
 * True when a database error means the database cannot be reached just now (down,
 * restarting, unreachable), rather than that the statement was wrong: the request
 * gets 503 and may be retried.
 */
export function isUnreachable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  return typeof message === 'string' && DRIVER_MESSAGES.test(message);
}
