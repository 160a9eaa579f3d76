import { SignJWT, type JWTPayload } from 'jose';
import type { CaClient } from './caClient.js';
import { ProvisionerError } from './errors.js';
import { decryptProvisionerKey, type ProvisionerSigningKey } from './provisionerKey.js';
import { timeClaims, type TokenExpiry } from './tokenClaims.js';
import type { ProvisionerEntry } from './wire.js';

/** Which provisioner to use: by name, by its key id, or (neither) the CA's only JWK provisioner. */
export interface ProvisionerSelector {
  readonly name?: string;
  readonly kid?: string;
}

/** Options of a sign token; its expiry (`exp`) is `notAfter`, or `lifetimeMs` after its `iat` (default 5 minutes). */
export interface TokenOptions extends TokenExpiry {
  /** SANs the certificate may carry; default `[subject]`. */
  readonly sans?: readonly string[];
  /** The token's `aud`; default `<caUrl>/1.0/sign`. */
  readonly audience?: string;
  /**
   * The certificate profile (`profile` claim): `openvpn-server`, `openvpn-client`,
   * `aws-client-vpn-server`, `aws-client-vpn-client` or `default`; unset, the CA issues the default profile.
   */
  readonly profile?: string;
}

/** How an error message names the selection: ' named "x"', ' with key id "y"', or '' for none. */
function describe(selector: ProvisionerSelector): string {
  if (selector.name !== undefined) return ` named "${selector.name}"`;
  return selector.kid !== undefined ? ` with key id "${selector.kid}"` : '';
}

function matches(selector: ProvisionerSelector, p: ProvisionerEntry): boolean {
  if (selector.name !== undefined && p.name !== selector.name) return false;
  return selector.kid === undefined || p.key?.kid === selector.kid;
}

/**
 * A JWK provisioner of a CA with its decrypted key: mints the one-time tokens
 * of api.md ("One-time tokens") that `/sign` and `/revoke` accept.
 */
export class Provisioner {
  private constructor(
    /** The provisioner's name: tokens' `iss`. */
    readonly name: string,
    private readonly signingKey: ProvisionerSigningKey,
    private readonly caUrl: string,
    private readonly rootFingerprint: string,
  ) {}

  /** The key id tokens carry in their header. */
  get kid(): string {
    return this.signingKey.kid;
  }

  /**
   * Finds a JWK provisioner of the client's CA by name and/or key id (via
   * `/provisioners`; with neither, the CA's only JWK provisioner), and decrypts
   * its key with `password` (from the listing's `encryptedKey`, else
   * `/provisioners/{kid}/encrypted-key`).
   * Throws ProvisionerError when there is no such JWK provisioner (or several),
   * or its key cannot be decrypted ("... wrong password?"), and what CaClient throws.
   */
  static async load(client: CaClient, selector: ProvisionerSelector, password: string): Promise<Provisioner> {
    return Provisioner.fromListing(client, await client.provisioners(), selector, password);
  }

  /** As `load`, choosing from `all`, the client's `/provisioners` listing already fetched. */
  static async fromListing(client: CaClient, all: readonly ProvisionerEntry[], selector: ProvisionerSelector, password: string): Promise<Provisioner> {
    const found = all.filter((p) => matches(selector, p));
    const jwk = found.filter((p) => p.type === 'JWK');
    const which = describe(selector);
    if (jwk.length > 1) throw new ProvisionerError(`the CA has several JWK provisioners${which} (${jwk.map((p) => p.name).join(', ')}); choose one by name or key id`);
    if (jwk.length === 0 && which && found.length > 0) throw new ProvisionerError(`the provisioner${which} is of type ${found[0].type}; only JWK provisioners can mint tokens`);
    if (jwk.length === 0) {
      const names = all.filter((p) => p.type === 'JWK').map((p) => p.name);
      throw new ProvisionerError(`the CA has no ${which ? 'provisioner' + which : 'JWK provisioner'} (JWK provisioners: ${names.length ? names.join(', ') : 'none'})`);
    }
    const entry = jwk[0];
    const kid = entry.key?.kid;
    if (typeof kid !== 'string' || kid === '') throw new ProvisionerError(`the provisioner "${entry.name}" lists no key id`);
    const jwe = entry.encryptedKey ?? (await client.encryptedKey(kid));
    return new Provisioner(entry.name, await decryptProvisionerKey(jwe, password, kid), client.caUrl, client.rootFingerprint);
  }

  private async sign(claims: JWTPayload, expiry: TokenExpiry): Promise<string> {
    return new SignJWT({ ...claims, iss: this.name, sha: this.rootFingerprint, ...timeClaims(expiry) })
      .setProtectedHeader({ alg: this.signingKey.alg, kid: this.signingKey.kid, typ: 'JWT' })
      .sign(this.signingKey.key);
  }

  /**
   * A one-time token for `POST /sign`: `sub` = subject (the certificate's CN),
   * `sans` (default `[subject]`), `aud` = `<caUrl>/1.0/sign`, `sha` = the pinned
   * root's fingerprint, a random `jti`, `iat` = `nbf` = now, `exp` = `notAfter` or
   * `iat` + `lifetimeMs` (default 5 min), and `profile` when one is asked for.
   * Throws TypeError for an empty subject or profile or for both `notAfter` and
   * `lifetimeMs`, RangeError for an expiry that is not in the future.
   */
  async token(subject: string, options: TokenOptions = {}): Promise<string> {
    if (subject === '') throw new TypeError('the token subject must not be empty');
    if (options.profile === '') throw new TypeError('the certificate profile must not be empty');
    const sans = options.sans && options.sans.length > 0 ? [...options.sans] : [subject];
    const profile = options.profile === undefined ? {} : { profile: options.profile };
    return this.sign({ sub: subject, aud: options.audience ?? `${this.caUrl}/1.0/sign`, sans, ...profile }, options);
  }

  /**
   * A one-time token for `POST /revoke` of the certificate with this serial
   * (decimal, as step's API writes serials): `sub` = serial,
   * `aud` = `<caUrl>/1.0/revoke`, the other claims as for `token`.
   * Throws TypeError when the serial is not a decimal number.
   */
  async revokeToken(serial: string, options: Omit<TokenOptions, 'sans' | 'profile'> = {}): Promise<string> {
    if (!/^\d+$/.test(serial)) throw new TypeError(`"${serial}" is not a decimal serial number`);
    return this.sign({ sub: serial, aud: options.audience ?? `${this.caUrl}/1.0/revoke` }, options);
  }
}
