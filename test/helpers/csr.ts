import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './testCa.js';

/** Key algorithms openssl can make for a test CSR. */
export type TestKeyType = 'P-256' | 'P-384' | 'RSA2048' | 'RSA1024' | 'RSA4096' | 'Ed25519' | 'DSA';

const GENPKEY: Record<TestKeyType, string[]> = {
  'P-256': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'P-384': ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  RSA2048: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'],
  RSA1024: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024'],
  RSA4096: ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:4096'],
  Ed25519: ['-algorithm', 'ED25519'],
  DSA: [],
};

/** A key (PEM) and a CSR (PEM) made by the real openssl binary. */
export interface TestCsr {
  readonly keyPem: string;
  readonly csrPem: string;
}

/** Makes a key of `type` and a CSR with subject CN `cn` (empty for none) and the given SANs ("DNS:x", "IP:1.2.3.4"...). */
export function opensslCsr(type: TestKeyType, cn: string, sans: string[] = []): TestCsr {
  const dir = tempDir('fedca-csr-');
  const keyFile = join(dir, 'key.pem');
  if (type === 'DSA') {
    execFileSync('openssl', ['genpkey', '-genparam', '-algorithm', 'DSA', '-pkeyopt', 'dsa_paramgen_bits:2048', '-out', join(dir, 'dsa.param')], { stdio: 'pipe' });
    execFileSync('openssl', ['genpkey', '-paramfile', join(dir, 'dsa.param'), '-out', keyFile], { stdio: 'pipe' });
  } else {
    execFileSync('openssl', ['genpkey', ...GENPKEY[type], '-out', keyFile], { stdio: 'pipe' });
  }
  const args = ['req', '-new', '-key', keyFile, '-subj', cn ? `/CN=${cn}` : '/'];
  if (sans.length) args.push('-addext', `subjectAltName=${sans.join(',')}`);
  const csrPem = execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  const keyPem = readFileSync(keyFile, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return { keyPem, csrPem };
}
