import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate } from 'node:tls';
import { ChainError, verifyChain } from '../pki/chain.js';
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

/**
 * Checks that the chain a TLS server presented (leaf first, intermediates in
 * any order) leads to `root` by issuer names and signatures, every certificate
 * on the path valid at `now` and every issuer on it (the root too) a CA.
 * Throws BootstrapError when it does not.
 */
export function verifyPresentedChain(presented: readonly X509Certificate[], root: X509Certificate, now = new Date()): void {
  if (presented.length === 0) throw new BootstrapError('the CA presented no TLS certificate');
  if (!root.ca) throw new BootstrapError('the root the CA sent is not a CA certificate');
  try {
    verifyChain(presented, [root], now);
  } catch (err) {
    if (!(err instanceof ChainError)) throw err;
    if (err.reason === 'validity') throw new BootstrapError(`the CA presented a certificate ${err.message}`);
    throw new BootstrapError(`the TLS certificate chain the CA presented does not lead to the root with fingerprint ${root.fingerprint256.replace(/:/g, '').toLowerCase()}`);
  }
}
