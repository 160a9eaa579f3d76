import type { X509Certificate } from 'node:crypto';

/** A certificate chain that does not lead to a trusted root. */
export class ChainError extends Error {
  readonly code = 'ERR_CHAIN';
  constructor(
    message: string,
    /** What is wrong: a certificate on the path outside its validity, or no path to a trusted root. */
    readonly reason: 'validity' | 'untrusted',
  ) {
    super(message);
  }
}

/** True when `parent` issued `child`: issuer name and signature. */
export const issuedBy = (child: X509Certificate, parent: X509Certificate): boolean => child.checkIssued(parent) && child.verify(parent.publicKey);

const describe = (cert: X509Certificate): string => cert.subject.replace(/\n/g, ', ');

function checkValidity(cert: X509Certificate, now: Date): void {
  if (Date.parse(cert.validFrom) > now.getTime() || Date.parse(cert.validTo) < now.getTime()) {
    throw new ChainError(`${describe(cert)} is outside its validity (${cert.validFrom} to ${cert.validTo})`, 'validity');
  }
}

/**
 * Checks that `chain` (leaf first, then intermediates in any order) leads to one of
 * `roots` by issuer names and signatures, every certificate on the path valid at
 * `now` and every issuer on it a CA. Returns the path, leaf first and the root last.
 * Throws ChainError saying what is wrong.
 */
export function verifyChain(chain: readonly X509Certificate[], roots: readonly X509Certificate[], now: Date): X509Certificate[] {
  if (chain.length === 0) throw new ChainError('no certificate', 'untrusted');
  const pool = chain.slice(1);
  const path = [chain[0]];
  // Each step uses up one certificate of the pool, so the walk ends.
  for (let current = chain[0]; ; ) {
    checkValidity(current, now);
    const root = roots.find((r) => r.ca && issuedBy(current, r));
    if (root) {
      checkValidity(root, now);
      return [...path, root];
    }
    const issuer = pool.find((candidate) => candidate.ca && issuedBy(current, candidate));
    if (!issuer) throw new ChainError(`${describe(chain[0])} does not chain to a trusted root`, 'untrusted');
    pool.splice(pool.indexOf(issuer), 1);
    path.push(issuer);
    current = issuer;
  }
}
