import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, randomBytes, X509Certificate, type JsonWebKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { compactDecrypt, SignJWT } from 'jose';
import { fingerprint } from '../../src/pki/fingerprint.js';
import { createIssuer } from '../../src/pki/issuer.js';
import { generateKey } from '../../src/pki/keys.js';
import { toPem } from '../../src/pki/pem.js';
import { issueIntermediate, issueRoot } from '../../src/pki/issueCertificate.js';
import { newJwkProvisioner } from '../../src/provisioners/jwkKeys.js';
import { exec } from './exec.js';
import { closedPort } from './ports.js';

/**
 * step-ca 0.19 (Debian's packaged sources), built once by the steering repo's
 * shared/peers/build-step-ca.sh into a cache directory. Resolves the binary, or
 * the reason it cannot be had (the build script or Go toolchain is absent).
 */
let built: Promise<{ binary?: string; reason?: string }> | undefined;

function buildScript(): string | undefined {
  if (process.env.FEDCA_STEP_CA_BUILD) return process.env.FEDCA_STEP_CA_BUILD;
  // The steering repo's shared/ lies beside the clone (CI) or above the worktree.
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'peers', 'build-step-ca.sh');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

export function stepCaBinary(): Promise<{ binary?: string; reason?: string }> {
  built ??= (async () => {
    const script = buildScript();
    if (!script) return { reason: 'shared/peers/build-step-ca.sh not found (set FEDCA_STEP_CA_BUILD)' };
    const out = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fedca-peers');
    const result = await exec('bash', [script, out]);
    const binary = join(out, 'step-ca');
    if (result.status !== 0 || !existsSync(binary)) return { reason: `building step-ca failed: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` };
    return { binary };
  })();
  return built;
}

/** A $STEPPATH as `step ca init` lays it out: config/ca.json, certs/, secrets/, db/. */
export interface StepPath {
  readonly dir: string;
  readonly password: string;
  readonly passwordFile: string;
  readonly configFile: string;
  readonly rootPem: string;
  readonly rootFingerprint: string;
  readonly intermediatePem: string;
  readonly provisionerName: string;
  readonly provisionerKid: string;
  /** The provisioner's private key (decrypted from its JWE with the password). */
  readonly provisionerKey: KeyObject;
  readonly port: number;
  /** The ca.json as written. */
  readonly config: Record<string, unknown>;
}

/** Writes a $STEPPATH in `dir` with keys made here (encrypted as step writes them) and `db` as its store (none: as `step ca init --no-db`). */
export async function writeStepPath(dir: string, db: Record<string, unknown> | undefined, name = 'Smallstep'): Promise<StepPath> {
  const password = 'step-password-' + randomBytes(4).toString('hex');
  for (const sub of ['config', 'certs', 'secrets', 'db', 'templates']) mkdirSync(join(dir, sub), { recursive: true });
  const rootKey = generateKey({ kty: 'EC' });
  const root = issueRoot(name, rootKey);
  const intermediateKey = generateKey({ kty: 'EC' });
  const intermediate = issueIntermediate(name, intermediateKey, createIssuer(root, rootKey));
  // step writes SEC1 PEM with legacy (DEK-Info) encryption.
  const sec1 = (k: KeyObject): string => k.export({ type: 'sec1', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }).toString();
  writeFileSync(join(dir, 'certs/root_ca.crt'), toPem(root));
  writeFileSync(join(dir, 'certs/intermediate_ca.crt'), toPem(intermediate));
  writeFileSync(join(dir, 'secrets/root_ca_key'), sec1(rootKey), { mode: 0o600 });
  writeFileSync(join(dir, 'secrets/intermediate_ca_key'), sec1(intermediateKey), { mode: 0o600 });
  const passwordFile = join(dir, 'secrets/password');
  writeFileSync(passwordFile, password + '\n', { mode: 0o600 });
  const provisioner = await newJwkProvisioner('admin@example.com', password);
  const port = await closedPort();
  // What `step ca init` writes (absolute paths, federatedRoots null, logger, tls defaults).
  const config = {
    root: join(dir, 'certs/root_ca.crt'),
    federatedRoots: null,
    crt: join(dir, 'certs/intermediate_ca.crt'),
    key: join(dir, 'secrets/intermediate_ca_key'),
    address: `127.0.0.1:${port}`,
    insecureAddress: '',
    dnsNames: ['localhost', '127.0.0.1'],
    logger: { format: 'text' },
    db,
    authority: {
      provisioners: [{ ...provisioner, type: 'JWK' }],
    },
    tls: {
      cipherSuites: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
      minVersion: 1.2,
      maxVersion: 1.3,
      renegotiation: false,
    },
  };
  const configFile = join(dir, 'config/ca.json');
  writeFileSync(configFile, JSON.stringify(config, null, '\t'));
  writeFileSync(join(dir, 'config/defaults.json'), JSON.stringify({ 'ca-url': `https://localhost:${port}`, 'ca-config': configFile, fingerprint: fingerprint(root), root: join(dir, 'certs/root_ca.crt') }, null, '\t'));
  const { plaintext } = await compactDecrypt(provisioner.encryptedKey ?? '', new TextEncoder().encode(password), { keyManagementAlgorithms: ['PBES2-HS256+A128KW'], maxPBES2Count: 1_000_000 });
  const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as JsonWebKey;
  return {
    dir,
    password,
    passwordFile,
    configFile,
    rootPem: toPem(root),
    rootFingerprint: fingerprint(root),
    intermediatePem: toPem(intermediate),
    provisionerName: provisioner.name,
    provisionerKid: provisioner.key.kid,
    provisionerKey: createPrivateKey({ key: jwk, format: 'jwk' }),
    port,
    config,
  };
}

/** A one-time token of the step path's JWK provisioner, as `step ca token` makes it. */
export async function stepToken(step: StepPath, sub: string, audience: string, extra: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sans: [sub], sha: step.rootFingerprint, ...extra })
    .setProtectedHeader({ alg: 'ES256', kid: step.provisionerKid, typ: 'JWT' })
    .setIssuer(step.provisionerName)
    .setSubject(sub)
    .setAudience(audience)
    .setJti(randomBytes(16).toString('hex'))
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 300)
    .sign(step.provisionerKey);
}

/** A running step-ca. */
export interface RunningStepCa {
  readonly url: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
  output(): string;
}

/** Starts step-ca on a step path and waits (bounded) until it answers /health. */
export async function startStepCa(binary: string, step: StepPath): Promise<RunningStepCa> {
  const child = spawn(binary, ['--password-file', step.passwordFile, step.configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STEPPATH: step.dir } });
  let output = '';
  child.stdout?.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (output += b.toString()));
  const url = `https://localhost:${step.port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  };
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`step-ca exited: ${output}`);
    const res = await exec('curl', ['-s', '--cacert', join(step.dir, 'certs/root_ca.crt'), `${url}/health`]);
    if (res.stdout.includes('ok')) return { url, process: child, stop, output: () => output };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`step-ca did not start: ${output}`);
}

/** Parses a PEM certificate's serial as decimal. */
export const decimalSerialOf = (pem: string): string => BigInt('0x' + new X509Certificate(pem).serialNumber).toString(10);

/** POSTs JSON with curl (trusting `rootFile`, with an optional client certificate); resolves the status and JSON body. */
export async function post(url: string, path: string, body: unknown, rootFile: string, client?: { cert: string; key: string }): Promise<{ status: number; json: Record<string, unknown> }> {
  const mtls = client ? ['--cert', client.cert, '--key', client.key] : [];
  const res = await exec('curl', ['-s', '-w', '\n%{http_code}', '--cacert', rootFile, ...mtls, '-H', 'content-type: application/json', '-d', JSON.stringify(body), `${url}${path}`]);
  const lines = res.stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(lines.join('\n') || '{}') as Record<string, unknown>;
  } catch {
    json = { raw: lines.join('\n') };
  }
  return { status, json };
}
