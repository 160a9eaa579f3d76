import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One EC P-256 CSR for the benchmark's subject, made by openssl (not timed). */
export function createCsr(subject: string): string {
  return execFileSync('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
    '-subj', `/CN=${subject}`, '-addext', `subjectAltName=DNS:${subject}`,
  ], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
}

/** A fresh EC P-256 key (PKCS#8 PEM) and a CSR for `subject` made with it, by openssl (not timed). */
export function createKeyAndCsr(subject: string): { key: string; csr: string } {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'fedca-bench-key-'));
  try {
    writeFileSync(join(dir, 'key.pem'), key, { mode: 0o600 });
    const csr = execFileSync('openssl', ['req', '-new', '-key', join(dir, 'key.pem'), '-subj', `/CN=${subject}`, '-addext', `subjectAltName=DNS:${subject}`], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    return { key, csr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
