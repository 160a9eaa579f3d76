import { execFileSync } from 'node:child_process';

/** One EC P-256 CSR for the benchmark's subject, made by openssl (not timed). */
export function createCsr(subject: string): string {
  return execFileSync('openssl', [
    'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', '/dev/null',
    '-subj', `/CN=${subject}`, '-addext', `subjectAltName=DNS:${subject}`,
  ], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
}
