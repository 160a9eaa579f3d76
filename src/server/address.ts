/** Splits "HOST:PORT", "[::1]:PORT" or ":PORT" (all interfaces) into host and port. */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`address must be HOST:PORT, got "${address}"`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port: Number(m[3]) };
}
