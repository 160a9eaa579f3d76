import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { updateConfig } from '../config/edit.js';
import { HomeLayout, inHome } from '../config/home.js';
import { ConfigError, loadConfig } from '../config/load.js';
import { parseCertificate } from '../pki/certificate.js';
import { fingerprint } from '../pki/issuer.js';
import { commonNameOf } from '../pki/name.js';
import { toPem } from '../pki/pem.js';
import { isRoot } from '../pki/root.js';
import { readCertificateFile } from './load.js';
import { readPeerRoots } from './peerRoots.js';
import type { CaConfig } from '../config/caConfig.js';
import { openStore } from '../store/open.js';
import type { PeerRootsRecord } from '../store/store.js';

/** One root of a home's federation and where it comes from. */
export interface FederationEntry {
  readonly fingerprint: string;
  readonly subject: string;
  readonly notAfter: Date;
  /** `root` (the CA's own), the `federatedRoots` file, or `peer <url>`. */
  readonly source: string;
}

/** What `listFederation` finds. */
export interface FederationListing {
  readonly entries: FederationEntry[];
  /** Peers of `federation.peers` whose roots have not been fetched yet (or were pinned anew). */
  readonly pendingPeers: string[];
}

/** What `addFederatedRoots` did. */
export interface AddedRoots {
  /** The file written and listed in `federatedRoots` (relative to the home); undefined when nothing was new. */
  readonly file?: string;
  readonly added: FederationEntry[];
  /** Roots given that the home already federates with (or owns). */
  readonly alreadyPresent: FederationEntry[];
}

const entry = (der: Buffer, source: string): FederationEntry => {
  const x509 = new X509Certificate(der);
  return { fingerprint: fingerprint(der), subject: x509.subject.replace(/\n/g, ', '), notAfter: new Date(x509.validTo), source };
};

/** The home's own roots and the roots of its `federatedRoots` files. */
function fileEntries(home: string, config: CaConfig): FederationEntry[] {
  const entries: FederationEntry[] = [];
  config.root.forEach((path, i) => entries.push(...readCertificateFile(home, path, `root[${i}]`).map((der) => entry(der, 'root'))));
  config.federatedRoots.forEach((path, i) => entries.push(...readCertificateFile(home, path, `federatedRoots[${i}]`).map((der) => entry(der, path))));
  return entries;
}

/**
 * Every root the home's CA publishes in `/federation`: own roots, `federatedRoots`
 * files, then peers' last good roots (from the store; from the files older versions
 * wrote when the store has none yet).
 */
export async function listFederation(home: string): Promise<FederationListing> {
  const config = loadConfig(home);
  const entries = fileEntries(home, config);
  const pendingPeers: string[] = [];
  const store = await openStore(config.db, home);
  let records: PeerRootsRecord[];
  try {
    records = await store.peerRoots();
  } finally {
    await store.close();
  }
  for (const peer of config.federation.peers) {
    try {
      const stored = records.find((r) => r.url === peer.url && r.fingerprint === peer.fingerprint && r.roots.length > 0);
      const record = stored ?? readPeerRoots(home, peer);
      if (record) entries.push(...record.roots.map((der) => entry(der, `peer ${peer.url}`)));
      else pendingPeers.push(peer.url);
    } catch (err) {
      pendingPeers.push(`${peer.url} (${(err as Error).message})`);
    }
  }
  return { entries, pendingPeers };
}

/** `pki/federated/<common name>.crt`, made unique with the fingerprint when the name is taken. */
function federatedFileFor(home: string, der: Buffer): string {
  const name = commonNameOf(parseCertificate(der).subject).toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '') || 'root';
  const plain = join(HomeLayout.federatedDir, `${name}.crt`);
  return existsSync(inHome(home, plain)) ? join(HomeLayout.federatedDir, `${name}_${fingerprint(der).slice(0, 12)}.crt`) : plain;
}

/**
 * Federates a home's CA with the roots in `ders` (one root or a bundle): those
 * it does not have yet are copied into one file under `pki/federated/` that is
 * appended to `federatedRoots` in `config/ca.json`. A running CA loads them on
 * SIGHUP. Throws ConfigError (nothing written) when a certificate is not a root
 * or the config is invalid.
 */
export function addFederatedRoots(home: string, ders: readonly Buffer[], source: string): AddedRoots {
  const present = fileEntries(home, loadConfig(home));
  const known = new Set(present.map((e) => e.fingerprint));
  for (const der of ders) {
    if (!isRoot(der)) throw new ConfigError(`${source}: ${entry(der, source).subject} is not a root (a self-signed CA certificate); federate with roots only`);
  }
  const unique = ders.filter((der, i) => ders.findIndex((d) => d.equals(der)) === i);
  const fresh = unique.filter((der) => !known.has(fingerprint(der)));
  const alreadyPresent = unique.filter((der) => known.has(fingerprint(der))).map((der) => present.find((e) => e.fingerprint === fingerprint(der)) ?? entry(der, source));
  if (fresh.length === 0) return { added: [], alreadyPresent };
  const file = federatedFileFor(home, fresh[0]);
  const absolute = inHome(home, file);
  mkdirSync(inHome(home, HomeLayout.federatedDir), { recursive: true });
  writeFileSync(absolute, fresh.map((der) => toPem(der)).join(''), { mode: 0o644, flag: 'wx' });
  try {
    updateConfig(home, (raw) => {
      raw.federatedRoots = [...(Array.isArray(raw.federatedRoots) ? raw.federatedRoots : []), file];
    });
  } catch (err) {
    rmSync(absolute, { force: true });
    throw err;
  }
  return { file, added: fresh.map((der) => entry(der, file)), alreadyPresent };
}
