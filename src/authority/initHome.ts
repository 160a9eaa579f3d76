import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { HomeLayout, inHome } from '../config/home.js';
import { validateConfig } from '../config/load.js';
import { createIssuer, fingerprint } from '../pki/issuer.js';
import { generateKey, privateKeyPem, type KeyType } from '../pki/keys.js';
import { toPem } from '../pki/pem.js';
import { issueIntermediate, issueRoot } from '../pki/profiles.js';
import { newJwkProvisioner } from '../provisioners/jwkKeys.js';

/** What `fedca init` needs. */
export interface InitOptions {
  readonly home: string;
  readonly name: string;
  readonly dnsNames: readonly string[];
  readonly address: string;
  readonly provisioner: string;
  /** The password for the CA keys and the provisioner key; generated when absent. */
  readonly password?: string;
  readonly kty: KeyType;
  readonly force: boolean;
}

/** What init made. */
export interface InitResult {
  readonly rootFingerprint: string;
  readonly configFile: string;
  readonly rootFile: string;
  /** Set when init generated the password and wrote it here. */
  readonly passwordFile?: string;
}

/** Thrown when init would overwrite a CA, or its inputs are wrong. Nothing was written. */
export class InitError extends Error {
  readonly code = 'ERR_INIT';
}

function writeFile(home: string, path: string, content: string, mode = 0o644): string {
  const file = inHome(home, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content, { mode });
  return file;
}

/** True when a home already holds a CA (a config or a root). */
export function homeHasCa(home: string): boolean {
  return existsSync(inHome(home, HomeLayout.config)) || existsSync(inHome(home, HomeLayout.root));
}

/**
 * Creates a CA in a home: root (10 y) and issuing intermediate (pathlen 0) with
 * password-encrypted keys, a JWK provisioner, and `config/ca.json`.
 * Validates everything before writing anything.
 */
export async function initHome(opts: InitOptions): Promise<InitResult> {
  if (!opts.name.trim()) throw new InitError('--name must not be empty');
  if (!opts.provisioner.trim()) throw new InitError('--provisioner must not be empty');
  if (opts.password !== undefined && opts.password.length === 0) throw new InitError('the password file is empty');
  if (homeHasCa(opts.home) && !opts.force) {
    throw new InitError(`${opts.home} already holds a CA (${HomeLayout.config} or ${HomeLayout.root}); use --force to replace it`);
  }
  const generatedPassword = opts.password === undefined;
  const password = opts.password ?? randomBytes(24).toString('base64url');
  const rootKey = generateKey({ kty: opts.kty, size: 3072 });
  const root = issueRoot(opts.name, rootKey);
  const intermediateKey = generateKey({ kty: opts.kty, size: 3072 });
  const intermediate = issueIntermediate(opts.name, intermediateKey, createIssuer(root, rootKey));
  const provisioner = await newJwkProvisioner(opts.provisioner, password);
  const config = {
    root: HomeLayout.root,
    federatedRoots: [] as string[],
    crt: HomeLayout.intermediate,
    key: HomeLayout.intermediateKey,
    address: opts.address,
    dnsNames: [...opts.dnsNames],
    db: { type: 'sqlite', dataSource: HomeLayout.sqlite },
    authority: {
      claims: { minTLSCertDuration: '5m', maxTLSCertDuration: '24h', defaultTLSCertDuration: '24h' },
      provisioners: [provisioner],
    },
    crl: { enabled: true },
  };
  // The same validation `start` runs: a bad --dns or --address fails here, before any write.
  try {
    validateConfig(config);
  } catch (err) {
    throw new InitError((err as Error).message);
  }

  for (const dir of ['config', 'pki', HomeLayout.federatedDir]) mkdirSync(inHome(opts.home, dir), { recursive: true });
  mkdirSync(inHome(opts.home, dirname(HomeLayout.rootKey)), { recursive: true, mode: 0o700 });
  const passwordFile = generatedPassword ? writeFile(opts.home, HomeLayout.password, password + '\n', 0o600) : undefined;
  writeFile(opts.home, HomeLayout.rootKey, privateKeyPem(rootKey, password), 0o600);
  writeFile(opts.home, HomeLayout.intermediateKey, privateKeyPem(intermediateKey, password), 0o600);
  const rootFile = writeFile(opts.home, HomeLayout.root, toPem(root));
  writeFile(opts.home, HomeLayout.intermediate, toPem(intermediate));
  const configFile = writeFile(opts.home, HomeLayout.config, JSON.stringify(config, null, 2) + '\n');
  return { rootFingerprint: fingerprint(root), configFile, rootFile, passwordFile };
}
