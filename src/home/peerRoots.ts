import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PeerConfig } from '../config/caConfig.js';
import { HomeLayout, inHome } from '../config/home.js';
import { pemDers } from '../pki/pem.js';

/** What versions before the store kept of a peer in a file: the roots it last fetched, and the pin in force when it did. */
export interface PeerRoots {
  readonly url: string;
  /** The configured fingerprint these roots were anchored to; a new pin discards them. */
  readonly fingerprint: string;
  readonly roots: readonly Buffer[];
  readonly fetchedAt: Date;
}

/** The file of a peer's roots in a home: `pki/federated/peers/<host>_<port>[_<path>].json`. */
export function peerRootsFile(home: string, url: string): string {
  const u = new URL(url);
  const name = [u.hostname, u.port || '443', u.pathname.replace(/^\/+|\/+$/g, '')].filter(Boolean).join('_').replace(/[^A-Za-z0-9.-]/g, '_');
  return join(inHome(home, HomeLayout.peersDir), `${name}.json`);
}

/**
 * The roots last fetched from `peer`, or undefined when there are none yet or
 * they were anchored to another fingerprint than the one configured now.
 * Throws Error when the file exists but cannot be read or is malformed.
 */
export function readPeerRoots(home: string, peer: PeerConfig): PeerRoots | undefined {
  const file = peerRootsFile(home, peer.url);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let record: { url?: unknown; fingerprint?: unknown; roots?: unknown; fetchedAt?: unknown };
  let roots: Buffer[];
  try {
    record = JSON.parse(text) as typeof record;
    if (!Array.isArray(record.roots) || !record.roots.every((r) => typeof r === 'string')) throw new Error('no roots');
    roots = (record.roots as string[]).flatMap((pem) => pemDers(pem));
    for (const der of roots) new X509Certificate(der);
  } catch {
    throw new Error(`${file} is not a peer roots file written by fedca`);
  }
  if (record.url !== peer.url || record.fingerprint !== peer.fingerprint || roots.length === 0) return undefined;
  const fetchedAt = new Date(typeof record.fetchedAt === 'string' ? record.fetchedAt : 0);
  return { url: peer.url, fingerprint: peer.fingerprint, roots, fetchedAt };
}
