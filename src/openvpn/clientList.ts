/** One connected client as `status 3` lists it. */
export interface ListedClient {
  readonly cid: number;
  readonly commonName: string;
}

/**
 * Reads the CLIENT_LIST rows of `status 3` output (tab-separated, the columns
 * named by its `HEADER CLIENT_LIST` row, which carries "Client ID" since 2.4).
 * Throws TypeError when the output has no such header.
 */
export function parseClientList(lines: readonly string[]): ListedClient[] {
  const header = lines.map((l) => l.split('\t')).find((f) => f[0] === 'HEADER' && f[1] === 'CLIENT_LIST');
  const cidAt = header ? header.indexOf('Client ID') - 1 : -1;
  const nameAt = header ? header.indexOf('Common Name') - 1 : -1;
  if (cidAt < 1 || nameAt < 1) throw new TypeError('the status output has no CLIENT_LIST header with a Client ID column');
  return lines
    .map((l) => l.split('\t'))
    .filter((f) => f[0] === 'CLIENT_LIST' && /^\d+$/.test(f[cidAt] ?? ''))
    .map((f) => ({ cid: Number(f[cidAt]), commonName: f[nameAt] ?? '' }));
}
