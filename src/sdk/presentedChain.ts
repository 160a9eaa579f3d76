import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import { BootstrapError } from './errors.js';

/**
 * The certificates a TLS peer presented, leaf first, from
 * `socket.getPeerCertificate(true)` (node links each to its issuer; the walk
 * stops where a certificate is its own issuer).
 */
export function presentedCertificates(peer: DetailedPeerCertificate | undefined): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let cert = peer; cert?.raw && !seen.has(cert.fingerprint256); cert = cert.issuerCertificate) {
    seen.add(cert.fingerprint256);
    out.push(new X509Certificate(cert.raw));
  }
  return out;
}

/** True when `parent` issued `child`: issuer name and signature. */
export const issuedBy = (child: X509Certificate, parent: X509Certificate): boolean => child.checkIssued(parent) && child.verify(parent.publicKey);

function checkValidity(cert: X509Certificate, now: Date): void {
  if (Date.parse(cert.validFrom) > now.getTime() || Date.parse(cert.validTo) < now.getTime()) {
    throw new BootstrapError(`the CA presented a certificate outside its validity (${cert.subject.replace(/\n/g, ', ')}: ${cert.validFrom} to ${cert.validTo})`);
  }
}

/**
 * Checks that the chain a TLS server presented (leaf first, intermediates in
 * any order) leads to `root` by issuer names and signatures, every certificate
 * on the path valid at `now` and every issuer on it (the root too) a CA.
 * Throws BootstrapError when it does not.
 */
export function verifyPresentedChain(presented: readonly X509Certificate[], root: X509Certificate, now = new Date()): void {
  if (presented.length === 0) throw new BootstrapError('the CA presented no TLS certificate');
  if (!root.ca) throw new BootstrapError('the root the CA sent is not a CA certificate');
  checkValidity(root, now);
  const pool = presented.slice(1);
  let current = presented[0];
  for (;;) {
    if (current.fingerprint256 === root.fingerprint256) return;
    checkValidity(current, now);
    if (issuedBy(current, root)) return;
    const issuer = pool.find((candidate) => candidate.ca && issuedBy(current, candidate));
    if (!issuer) {
      throw new BootstrapError(`the TLS certificate chain the CA presented does not lead to the root with fingerprint ${root.fingerprint256.replace(/:/g, '').toLowerCase()}`);
    }
    pool.splice(pool.indexOf(issuer), 1);
    current = issuer;
  }
}
