import type { IssuedCertificate, Store } from './store.js';

/** At most this many certificates are followed in a line: renewals every few minutes for years stay below it. */
export const MAX_LINEAGE = 100_000;

/** Thrown when a line is longer than MAX_LINEAGE (the store would be damaged: serials are unique, 80 of their bits random). */
export class LineageTooLong extends Error {
  readonly code = 'ERR_LINEAGE_TOO_LONG';
}

/**
 * Every certificate descended from the one with `serial` by renewal or rekey
 * (successors, their successors, ...), breadth first, without the certificate
 * itself. Throws LineageTooLong past MAX_LINEAGE.
 */
export async function descendants(store: Store, serial: string): Promise<IssuedCertificate[]> {
  const seen = new Set([serial]);
  const out: IssuedCertificate[] = [];
  for (let frontier = [serial]; frontier.length; ) {
    const found: string[] = [];
    for (const parent of frontier) {
      for (const child of await store.successors(parent)) {
        if (seen.has(child.serial)) continue;
        if (seen.size >= MAX_LINEAGE) throw new LineageTooLong(`the lineage of ${serial} has more than ${MAX_LINEAGE} certificates`);
        seen.add(child.serial);
        out.push(child);
        found.push(child.serial);
      }
    }
    frontier = found;
  }
  return out;
}

/**
 * The certificates the one with `serial` descends from, oldest first (the first
 * issuance, then each renewal or rekey down to its direct predecessor). A
 * predecessor the store does not hold ends the walk. Throws LineageTooLong past MAX_LINEAGE.
 */
export async function ancestors(store: Store, certificate: IssuedCertificate): Promise<IssuedCertificate[]> {
  const out: IssuedCertificate[] = [];
  const seen = new Set([certificate.serial]);
  for (let at = certificate.replaces; at !== undefined && !seen.has(at); ) {
    if (seen.size >= MAX_LINEAGE) throw new LineageTooLong(`the lineage of ${certificate.serial} has more than ${MAX_LINEAGE} certificates`);
    seen.add(at);
    const parent = await store.certificate(at);
    if (!parent) break;
    out.unshift(parent);
    at = parent.replaces;
  }
  return out;
}
