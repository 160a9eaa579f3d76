import { X509Certificate } from 'node:crypto';
import type { CaConfig } from '../config/caConfig.js';
import { inHome } from '../config/home.js';
import { parseDuration } from '../config/duration.js';
import { ConfigError } from '../config/errors.js';
import { readFileOr } from '../files/readFile.js';
import { mergeClaims } from '../provisioners/claims.js';
import { createIssuer } from '../pki/issuer.js';
import { readPrivateKey } from '../pki/keys.js';
import { pemDers } from '../pki/pem.js';
import { provisionerFromConfig } from '../provisioners/fromConfig.js';
import { ProvisionerConfigError } from '../provisioners/provisionerConfig.js';
import { ObservedStore, type StoreObserver } from '../store/observed.js';
import { openStore } from '../store/open.js';
import type { SqliteOptions } from '../store/sqlite.js';
import { Authority } from '../authority/authority.js';
import { PasswordError } from './errors.js';

/** Reads every certificate of a PEM file (one or a bundle); ConfigError naming `key` otherwise. */
export function readCertificateFile(home: string, path: string, key: string): Buffer[] {
  const file = inHome(home, path);
  const text = readFileOr(file, (code) => new ConfigError(`${key}: cannot read ${file} (${code})`)).toString('utf8');
  let ders: Buffer[];
  try {
    ders = pemDers(text);
    for (const der of ders) new X509Certificate(der);
  } catch {
    throw new ConfigError(`${key}: ${file} holds a malformed certificate`);
  }
  if (ders.length === 0) throw new ConfigError(`${key}: ${file} holds no PEM certificate`);
  return ders;
}

/** Reads the federated roots a config lists (each file one certificate or a bundle). */
export function readFederatedRoots(home: string, config: CaConfig): Buffer[] {
  return config.federatedRoots.flatMap((path, i) => readCertificateFile(home, path, `federatedRoots[${i}]`));
}

const DAY_MS = 24 * 3_600_000;

/**
 * Builds the authority a home's config describes: reads roots and federated roots,
 * decrypts the intermediate key with `password`, checks the chain, opens the store
 * (reporting each call to `observeStore` when given).
 */
export async function loadAuthority(home: string, config: CaConfig, password: string, observeStore?: StoreObserver, storeOptions: SqliteOptions = {}): Promise<Authority> {
  const roots = config.root.flatMap((path, i) => readCertificateFile(home, path, config.root.length > 1 ? `root[${i}]` : 'root'));
  const federatedRoots = readFederatedRoots(home, config);
  const [intermediateDer] = readCertificateFile(home, config.crt, 'crt');
  const keyFile = inHome(home, config.key);
  const keyPem = readFileOr(keyFile, (code) => new ConfigError(`key: cannot read ${keyFile} (${code})`)).toString('utf8');
  let intermediate;
  try {
    intermediate = createIssuer(intermediateDer, readPrivateKey(keyPem, password));
  } catch (err) {
    throw new PasswordError(`cannot use the intermediate key ${keyFile}: ${(err as Error).message}`);
  }
  const x509 = new X509Certificate(intermediateDer);
  const anchored = roots.some((root) => {
    const r = new X509Certificate(root);
    return x509.checkIssued(r) && x509.verify(r.publicKey);
  });
  if (!anchored) throw new ConfigError(`crt: ${inHome(home, config.crt)} is not issued by any certificate in root`);
  const provisioners = config.authority.provisioners.map((p, i) => {
    try {
      return provisionerFromConfig(p, { home, globalClaims: config.authority.claims });
    } catch (err) {
      if (err instanceof ProvisionerConfigError) throw new ConfigError(`authority.provisioners[${i}].${err.message}`);
      throw new ConfigError(`authority.provisioners[${i}]: ${(err as Error).message}`);
    }
  });
  for (const [i, p] of provisioners.entries()) {
    // Tokens find their provisioner by this key (a JWK key id, an OIDC client id, x5c/NAME): it must name one.
    const first = provisioners.findIndex((q) => q.tokenKey === p.tokenKey);
    if (first !== i) throw new ConfigError(`authority.provisioners[${i}]: tokens could not tell it from authority.provisioners[${first}] (both are found by "${p.tokenKey}")`);
  }
  const opened = await openStore(config.db, home, storeOptions);
  const store = observeStore ? new ObservedStore(opened, observeStore) : opened;
  return new Authority({
    roots,
    federatedRoots,
    intermediate,
    provisioners,
    store,
    dnsNames: config.dnsNames,
    defaultClaims: mergeClaims(config.authority.claims, undefined),
    crl: { enabled: config.crl.enabled, validityMs: parseDuration(config.crl.cacheDuration ?? '24h') ?? DAY_MS },
  });
}
