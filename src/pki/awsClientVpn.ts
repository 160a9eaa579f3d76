import { X509Certificate } from 'node:crypto';

/**
 * AWS Client VPN's limits on the certificates and CRLs it takes, stated once for
 * the profiles (what fedca issues), `fedca export acm` and `fedca crl --for`.
 */

/** AWS's own words on the keys a Client VPN endpoint takes (mutual authentication). */
export const AWS_KEY_LIMIT = '"A Client VPN endpoint supports 1024-bit and 2048-bit RSA key sizes only"';

/** The one key fedca issues for AWS Client VPN: RSA 1024 is within AWS's limit but too weak to issue. */
export const AWS_KEY = 'RSA 2048';

/** A Client VPN endpoint's CRL holds at most this many entries (a fixed quota, not raisable). */
export const AWS_CRL_MAX_ENTRIES = 20_000;

/**
 * Why AWS Client VPN (or fedca, for RSA 1024) would not take a key, described as
 * key descriptions are ("RSA 2048", "EC P-256"); undefined when it is RSA 2048.
 * `who` names what asks ("the aws-client-vpn-client profile").
 */
export function awsKeyProblem(description: string, who: string): string | undefined {
  if (description === AWS_KEY) return undefined;
  if (description === 'RSA 1024') return `${who} refuses RSA 1024 as too weak: AWS Client VPN says ${AWS_KEY_LIMIT}, so fedca issues ${AWS_KEY}`;
  return `${who} needs an ${AWS_KEY} key, not ${description}: AWS Client VPN says ${AWS_KEY_LIMIT}`;
}

/**
 * A warning when a CA certificate of the chain (PEM) has a key other than RSA:
 * AWS documents RSA keys for Client VPN certificates and says nothing of the CA's
 * own; undefined when every key is RSA.
 */
export function caKeyWarning(chain: readonly string[]): string | undefined {
  const others = chain
    .map((pem) => new X509Certificate(pem))
    .filter((c) => c.publicKey.asymmetricKeyType !== 'rsa')
    .map((c) => `${c.subject.replace(/\n/g, ', ')} has an ${c.publicKey.asymmetricKeyType === 'ec' ? 'EC' : c.publicKey.asymmetricKeyType} key`);
  if (others.length === 0) return undefined;
  return `the CA's keys are not RSA (${others.join('; ')}): AWS's documentation names only RSA keys for Client VPN and is silent about the CA's own key type; if the endpoint refuses the chain, use a CA made with fedca init --kty RSA`;
}
