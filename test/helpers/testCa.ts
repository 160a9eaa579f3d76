import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:https';
import type { Authority } from '../../src/authority/authority.js';
import { initHome } from '../../src/home/initHome.js';
import { loadAuthority } from '../../src/home/load.js';
import { loadConfig } from '../../src/config/load.js';
import type { KeyType } from '../../src/pki/keys.js';
import { CaServer, type ServerOptions } from '../../src/server/server.js';

/** A CA started in-process on 127.0.0.1 with a fresh home in a temp directory. */
export interface TestCa {
  readonly home: string;
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly passwordFile: string;
  readonly rootPem: string;
  readonly rootFile: string;
  readonly rootFingerprint: string;
  readonly authority: Authority;
  readonly server: CaServer;
  /** Access-log lines written so far. */
  readonly logLines: string[];
  /** An https.Agent that trusts this CA's root. */
  readonly agent: Agent;
  stop(): Promise<void>;
}

export interface TestCaOptions {
  readonly name?: string;
  readonly kty?: KeyType;
  readonly dnsNames?: string[];
  /** Edits ca.json after init, before start. */
  readonly editConfig?: (config: Record<string, unknown>) => void;
  readonly server?: Partial<ServerOptions>;
  /** A home initialised another way (`fedca init` in a test) to start instead of a new one. */
  readonly home?: TestHome;
}

/** Makes an empty temporary directory that is removed by `cleanup`. */
export function tempDir(prefix = 'fedca-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The password test homes are initialised with. */
export const TEST_PASSWORD = 'test-password';

/** A CA initialised in a temp home, not started. */
export interface TestHome {
  readonly home: string;
  readonly password: string;
  /** A file holding the password (outside the home's pki/secrets). */
  readonly passwordFile: string;
  readonly rootFile: string;
  readonly rootFingerprint: string;
}

/** Rewrites a home's config/ca.json through `edit`. */
export function editConfig(home: string, edit: (config: Record<string, unknown>) => void): void {
  const file = join(home, 'config/ca.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(config);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

/** Initialises a CA (password "test-password") in a new temp home listening on a free loopback port. */
export async function initTestHome(options: Omit<TestCaOptions, 'server'> = {}): Promise<TestHome> {
  const home = tempDir();
  const passwordFile = join(home, 'password.txt');
  const password = TEST_PASSWORD;
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  const init = await initHome({
    home,
    name: options.name ?? 'Test',
    dnsNames: options.dnsNames ?? ['localhost', '127.0.0.1'],
    address: '127.0.0.1:0',
    provisioner: 'admin',
    password,
    kty: options.kty ?? 'EC',
    force: false,
  });
  if (options.editConfig) editConfig(home, options.editConfig);
  return { home, password, passwordFile, rootFile: init.rootFile, rootFingerprint: init.rootFingerprint };
}

/** Initialises a CA in a temp home (password "test-password"), or takes `options.home`, and starts it on a free port. */
export async function startTestCa(options: TestCaOptions = {}): Promise<TestCa> {
  const { home, password, passwordFile, rootFile, rootFingerprint } = options.home ?? (await initTestHome(options));
  const config = loadConfig(home);
  const authority = await loadAuthority(home, config, password).catch((err: unknown) => {
    rmSync(home, { recursive: true, force: true });
    throw err;
  });
  const logLines: string[] = [];
  const server = new CaServer(authority, { address: config.address, dnsNames: config.dnsNames, log: (l) => logLines.push(l), home, federation: config.federation, rateLimit: config.rateLimit, ...options.server });
  const port = await server.start();
  const rootPem = readFileSync(rootFile, 'utf8');
  const agent = new Agent({ ca: rootPem, keepAlive: false });
  return {
    home,
    url: `https://localhost:${port}`,
    port,
    password,
    passwordFile,
    rootPem,
    rootFile,
    rootFingerprint,
    authority,
    server,
    logLines,
    agent,
    async stop() {
      agent.destroy();
      await server.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
