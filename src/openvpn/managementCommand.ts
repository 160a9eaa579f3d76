/**
 * Management commands as OpenVPN reads them: "the same command line lexical
 * analyzer as is used by the OpenVPN config file parser" (management-notes.txt,
 * "Command Parsing"), one command per line.
 */

/** OpenVPN refuses option parameters longer than 256 bytes; reasons are cut well before that. */
const MAX_ARGUMENT_LENGTH = 200;

/**
 * Quotes one argument for the config-file lexer: in double quotes, with `\` and
 * `"` escaped by a backslash. Control characters, which could end the command
 * line early, become spaces; text past 200 characters is cut.
 */
export function quoteArgument(text: string): string {
  let clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ');
  if (clean.length > MAX_ARGUMENT_LENGTH) clean = clean.slice(0, MAX_ARGUMENT_LENGTH - 3) + '...';
  return `"${clean.replace(/[\\"]/g, (c) => '\\' + c)}"`;
}

/** A command line (without its line end): numbers as they are, text quoted. */
export function managementCommand(name: string, ...args: readonly (number | string)[]): string {
  return [name, ...args.map((a) => (typeof a === 'number' ? String(a) : quoteArgument(a)))].join(' ');
}
