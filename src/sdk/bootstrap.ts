import { X509Certificate } from 'node:crypto';
import { Agent } from 'node:https';
import { checkServerIdentity, type DetailedPeerCertificate } from 'node:tls';
import { fingerprint } from '../pki/issuer.js';
import { pemDers, toPem } from '../pki/pem.js';
import { caEndpoint, normaliseCaUrl } from './caUrl.js';
import { BootstrapError, CaConnectionError, CaError } from './errors.js';
import { parseFingerprint } from './fingerprint.js';
import { presentedCertificates, verifyPresentedChain } from './presentedChain.js';
import { requestJson } from './requestJson.js';
import type { RequestLimits } from './caRequest.js';

/**
 * Fetches the root with this SHA-256 fingerprint from `GET /root/{fingerprint}`
 * over a TLS connection that is not yet verified, then trusts it only if the
 * DER of the answer has that fingerprint AND the certificate chain the server
 * presented on that same connection leads to it and names the host.
 * Returns the root as PEM. `limits` bound the request (default: 30 s idle timeout, 8 MiB).
 * Throws TypeError for a malformed URL or fingerprint, BootstrapError when any
 * check fails or the CA has no such root, CaConnectionError when the CA cannot
 * be reached or answers nonsense, CaError for other refusals.
 */
export async function fetchRoot(caUrl: string, expectedFingerprint: string, limits: RequestLimits = {}): Promise<string> {
  const base = normaliseCaUrl(caUrl);
  const expected = parseFingerprint(expectedFingerprint);
  const url = caEndpoint(base, `/root/${expected}`);
  // Verification is off for this one request only: the checks below replace it.
  const agent = new Agent({ rejectUnauthorized: false, keepAlive: false });
  let peer: DetailedPeerCertificate | undefined;
  let body: unknown;
  try {
    body = await requestJson(url, {
      ...limits,
      agent,
      onResponse: (socket) => {
        peer = socket.getPeerCertificate(true);
      },
    });
  } catch (err) {
    if (err instanceof CaError && err.status === 404) throw new BootstrapError(`the CA at ${url.origin} has no root with fingerprint ${expected}`);
    throw err;
  } finally {
    agent.destroy();
  }
  const pem = (body as { ca?: unknown } | null)?.ca;
  const [der] = typeof pem === 'string' ? pemDers(pem) : [];
  if (!der) throw new CaConnectionError(`the CA's answer to GET /root/${expected} holds no certificate`);
  if (fingerprint(der) !== expected) throw new BootstrapError(`the root the CA sent has fingerprint ${fingerprint(der)}, not ${expected}`);
  const root = new X509Certificate(der);
  verifyPresentedChain(presentedCertificates(peer), root);
  const identityError = peer && checkServerIdentity(url.hostname.replace(/^\[|\]$/g, ''), peer);
  if (identityError) throw new BootstrapError(`the CA's TLS certificate does not name ${url.hostname}: ${identityError.message}`);
  return toPem(der);
}
