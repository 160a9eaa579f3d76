/** Where OpenVPN's management interface listens: a TCP address or a unix socket. */
export type ManagementAddress = { readonly host: string; readonly port: number } | { readonly path: string };

/**
 * Parses `HOST:PORT` (`[v6]:PORT` for IPv6) or `unix:PATH`, as `--management`
 * names them. Throws TypeError for anything else.
 */
export function parseManagementAddress(text: string): ManagementAddress {
  if (text.startsWith('unix:')) {
    const path = text.slice(5);
    if (path === '') throw new TypeError('unix: needs a socket path (unix:/run/openvpn/server.sock)');
    return { path };
  }
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : 0;
  if (!m || port < 1 || port > 65535) throw new TypeError(`"${text}" is not HOST:PORT or unix:PATH`);
  return { host: m[1] ?? m[2], port };
}

/** The address as `parseManagementAddress` reads it, for messages. */
export function formatManagementAddress(address: ManagementAddress): string {
  if ('path' in address) return `unix:${address.path}`;
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
