/**
 * Splits ca.json's `address`: "HOST:PORT", "[::1]:PORT" or ":PORT" (all interfaces).
 * Throws when it is none of these or the port is over 65535.
 */
export function parseAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m || Number(m[3]) > 65535) throw new Error(`address must be HOST:PORT, [IPv6]:PORT or :PORT, got "${address}"`);
  const host = m[1] ?? m[2];
  return { host: host === '' ? undefined : host, port: Number(m[3]) };
}
