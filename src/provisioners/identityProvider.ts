import { get } from 'node:https';
import { createRemoteJWKSet, customFetch, errors, jwtVerify, type FetchImplementation, type JWTPayload } from 'jose';
import { Unauthorized } from '../errors.js';

/** How long a fetch from the identity provider may take, and how much it may send. */
const FETCH_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** A token naming an unknown key id refetches the JWKS, at most this often (jose's cooldown; its default is 30 s). */
export const JWKS_REFETCH_COOLDOWN_MS = 1_000;
/** Keys are refetched anyway after this long. */
const JWKS_MAX_AGE_MS = 10 * 60_000;
/** step-ca's leeway on exp, nbf and iat of ID tokens. */
const LEEWAY_SECONDS = 60;

/**
 * A fetch (as jose's JWKS set calls it) over node:https, trusting `ca` (PEM bundle)
 * when given, else Node's trust store and NODE_EXTRA_CA_CERTS. Bounded in time and size.
 */
function httpsFetch(ca: string | undefined): FetchImplementation {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      options.headers.forEach((value, key) => (headers[key] = value));
      const req = get(url, { headers, ...(ca ? { ca } : {}), timeout: FETCH_TIMEOUT_MS, signal: options.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) res.destroy(new Error('answer too large'));
          else chunks.push(chunk);
        });
        res.on('error', reject);
        res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers: { 'content-type': res.headers['content-type'] ?? '' } })));
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
}

/** The OpenID Provider Metadata fedca reads (OpenID Connect Discovery 1.0 §3). */
export interface OpenIdConfiguration {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
}

/** step-ca's rule: the discovery document is at `/.well-known/openid-configuration` under the endpoint unless it names it. */
export function discoveryUrl(configurationEndpoint: string): URL {
  const url = new URL(configurationEndpoint);
  if (!url.pathname.includes('/.well-known/openid-configuration')) url.pathname = `${url.pathname.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  return url;
}

type Verifier = { readonly configuration: OpenIdConfiguration; readonly keys: ReturnType<typeof createRemoteJWKSet> };

/**
 * An OpenID provider as a relying party sees it: its discovery document (fetched on
 * first use, and again after a failure) and its signing keys (cached, refetched for
 * an unknown key id), to verify the ID tokens it issued for `clientID`.
 */
export class IdentityProvider {
  private readonly fetch: FetchImplementation;
  private verifier?: Promise<Verifier>;

  /** `ca`: PEM bundle the provider's HTTPS must chain to (absent: the system's trust store). */
  /** `audienceName` says in refusals what `aud` had to be (OIDC: the client id; Azure: its `audience`). */
  constructor(
    readonly configurationEndpoint: string,
    private readonly clientID: string,
    ca?: string,
    private readonly audienceName = "the provisioner's client id",
  ) {
    this.fetch = httpsFetch(ca);
  }

  private async load(): Promise<Verifier> {
    const url = discoveryUrl(this.configurationEndpoint);
    let configuration: OpenIdConfiguration;
    try {
      const res = await this.fetch(url.href, { headers: new Headers({ accept: 'application/json' }), method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      configuration = (await res.json()) as OpenIdConfiguration;
    } catch (err) {
      throw new Unauthorized(`cannot verify the token: the identity provider's configuration ${url.href} is unavailable (${(err as Error).message})`);
    }
    if (typeof configuration?.issuer !== 'string' || configuration.issuer === '' || typeof configuration.jwks_uri !== 'string') {
      throw new Unauthorized(`cannot verify the token: ${url.href} is not an OpenID configuration (issuer, jwks_uri)`);
    }
    const keys = createRemoteJWKSet(new URL(configuration.jwks_uri), {
      cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
      [customFetch]: this.fetch,
    });
    return { configuration, keys };
  }

  /** The discovery document; Unauthorized (naming the URL) when it cannot be had. */
  configuration(): Promise<OpenIdConfiguration> {
    return this.current().then((v) => v.configuration);
  }

  private current(): Promise<Verifier> {
    if (!this.verifier) {
      this.verifier = this.load();
      // A provider that was down is asked again by the next token.
      this.verifier.catch(() => (this.verifier = undefined));
    }
    return this.verifier;
  }

  /**
   * Verifies an ID token: signed by one of the provider's keys, `iss` its issuer, `aud`
   * the client id (unless `checkAudience` is false: the caller checks it, as the GCP
   * provisioner checks the CA's own sign URL), times within a minute of leeway.
   * Resolves its claims; Unauthorized otherwise.
   */
  async verify(token: string, checkAudience = true): Promise<JWTPayload> {
    const { configuration, keys } = await this.current();
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: configuration.issuer, ...(checkAudience ? { audience: this.clientID } : {}), clockTolerance: LEEWAY_SECONDS });
      return payload;
    } catch (err) {
      throw new Unauthorized(`invalid token: ${idTokenProblem(err, this.audienceName)}`);
    }
  }
}

/** What was wrong with an ID token, in words. */
function idTokenProblem(err: unknown, audienceName: string): string {
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return 'issuer (iss) is not the identity provider';
    if (err.claim === 'aud') return `audience (aud) is not ${audienceName}`;
    return `${err.claim} claim check failed (${err.reason})`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return "no key of the identity provider's JWKS has its key id (kid)";
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature verification failed';
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JOSEError) return (err as Error).message;
  return `cannot fetch the identity provider's keys (${(err as Error).message})`;
}
