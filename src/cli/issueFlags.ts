import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { decodeJwt } from 'jose';
import type { KeySpec } from '../pki/keys.js';
import type { CaClient } from '../sdk/caClient.js';
import { issueForNewKey, type IssuedKey } from '../sdk/issueForNewKey.js';
import { tokenSans } from '../sdk/tokenSans.js';
import type { SignResponse } from '../sdk/wire.js';
import { addCaOptions, type CaFlags } from './caConnection.js';
import { CliError } from './fail.js';
import { pemLine } from './issued.js';
import { addKeyOptions, defaultKeyFor, keySpec, type KeyFlags } from './keyFlags.js';
import { collect, timeOrDuration } from './options.js';
import { addProvisionerOptions, passwordUpFront, type ProvisionerFlags } from './provisionerFlags.js';
import { provisionerToken } from './provisionerToken.js';
import { addCloudIdentityOptions, type CloudIdentityFlags } from './cloudIdentity.js';
import { createX5cToken } from '../sdk/renewToken.js';
import { readCertificateFiles, type CertificateFiles } from './certificateFiles.js';

/** The flags of every command that has the CA issue a certificate for a fresh key (`certificate`, `export ...`). */
export interface IssueFlags extends CaFlags, ProvisionerFlags, KeyFlags, CloudIdentityFlags {
  token?: string;
  x5cCert?: string;
  x5cKey?: string;
  san?: string[];
  profile?: string;
  notBefore?: string;
  notAfter?: string;
}

/** Adds the CA, token or provisioner, SAN, profile, key and validity options to a command. */
export function addIssueOptions(command: Command, profileDefault?: string): Command {
  addCaOptions(command);
  command.option('--token <jwt>', 'a one-time token from fedca token (instead of --provisioner and --password-file); its sans and profile apply');
  addProvisionerOptions(command);
  command
    .option('--x5c-cert <file>', 'a certificate chain (PEM, leaf first) whose key signs the token for the X5C provisioner --provisioner names; the new certificate may carry the names it holds')
    .option('--x5c-key <file>', 'the private key of --x5c-cert')
    .option('--san <name>', 'a DNS name, IP, email or URI for the certificate (repeatable; default: the subject)', collect)
    .option(
      '--profile <name>',
      `certificate profile: default, openvpn-server, openvpn-client, aws-client-vpn-server or aws-client-vpn-client (default: ${profileDefault ?? "the CA's default profile"})`,
    );
  addCloudIdentityOptions(command);
  addKeyOptions(command);
  return command
    .option('--not-before <time|duration>', 'when the certificate becomes valid: RFC 3339 time or duration from now (default: now)', timeOrDuration)
    .option('--not-after <time|duration>', "when the certificate expires: RFC 3339 time or duration from now (default: the provisioner's default, 24h)", timeOrDuration);
}

/** What an issuance needs, checked before the CA is contacted. */
export interface IssuePlan {
  readonly subject: string;
  readonly sans: string[];
  readonly spec: KeySpec;
  /** The token given with --token, else the provisioner password to mint one (none for an OIDC provisioner: its login gives the token). */
  readonly token?: string;
  readonly password?: string;
  /** With --x5c-cert/--x5c-key: the certificate whose key signs an X5C token. */
  readonly x5c?: CertificateFiles;
  /** The profile to ask for in a minted token. */
  readonly profile?: string;
}

/** The SANs a token given with --token allows, so the CSR asks for what it allows. Throws CliError when it is not a JWT. */
function sansOfToken(token: string, subject: string): string[] {
  try {
    return tokenSans(token, subject);
  } catch {
    throw new CliError('--token is not a JWT');
  }
}

/** The profile a token given with --token names (undefined when none, or not a JWT: tokenSans says so). */
function tokenProfile(token: string): string | undefined {
  try {
    const { profile } = decodeJwt(token);
    return typeof profile === 'string' ? profile : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks the flags of an issuance and reads the provisioner password, before
 * anything is generated or sent. `profile` is the command's own default profile.
 * Throws CliError for flags that do not go together.
 */
export function planIssue(subject: string, flags: IssueFlags, profile?: string): IssuePlan {
  if (flags.token && flags.provisioner) throw new CliError('pass either --token or --provisioner, not both');
  if (Boolean(flags.x5cCert) !== Boolean(flags.x5cKey)) throw new CliError('pass --x5c-cert and --x5c-key together');
  if (flags.x5cCert && (flags.token || !flags.provisioner)) throw new CliError('--x5c-cert signs a token for the X5C provisioner --provisioner names (and not with --token)');
  if (flags.token && flags.profile) throw new CliError('--profile does not apply with --token: the token names the profile (fedca token --profile)');
  const token = flags.token;
  const spec = keySpec(flags, defaultKeyFor(flags.profile ?? (token ? tokenProfile(token) : profile)));
  const x5c = flags.x5cCert && flags.x5cKey ? readCertificateFiles(flags.x5cCert, flags.x5cKey) : undefined;
  // A given token or an X5C certificate needs no provisioner password.
  const password = token === undefined && !x5c ? passwordUpFront(flags) : undefined;
  const sans = flags.san?.length ? flags.san : token ? sansOfToken(token, subject) : [subject];
  return { subject, sans, spec, token, password, profile: flags.profile ?? profile, ...(x5c ? { x5c } : {}) };
}

/**
 * Has the CA issue a certificate for a fresh key: the token (given, the platform's
 * identity for an AWS, GCP, Azure or K8sSA provisioner, from the login of an OIDC provisioner, or minted with a JWK provisioner for the plan's profile),
 * a CSR for the subject and SANs, `POST /sign` (asking an OIDC provisioner for the
 * profile in `templateData`). Throws CliError when a JWK provisioner has no
 * password, and what the SDK throws.
 */
export async function issueKey(client: CaClient, plan: IssuePlan, flags: IssueFlags): Promise<IssuedKey> {
  const x5c = plan.x5c && (await createX5cToken(plan.x5c, client.caUrl, { provisioner: flags.provisioner ?? '', subject: plan.subject, sans: plan.sans, profile: plan.profile }));
  const given = plan.token ?? x5c;
  const { ott, source } = given !== undefined ? { ott: given, source: 'given' as const } : await provisionerToken(client, flags, { subject: plan.subject, sans: plan.sans, profile: plan.profile, password: plan.password });
  return issueForNewKey(client, { subject: plan.subject, sans: plan.sans, key: plan.spec, ott, notBefore: flags.notBefore, notAfter: flags.notAfter, ...(source === 'login' && plan.profile ? { profile: plan.profile } : {}) });
}

/**
 * The CA certificates above an issued leaf, PEM, each once: the intermediate(s)
 * the CA sent, then the trusted root (a CA adopted from easy-rsa is both).
 */
export function issuerChain(signed: SignResponse, rootPem: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pem of [...signed.certChain.slice(1), rootPem]) {
    const der = new X509Certificate(pem).raw.toString('base64');
    if (seen.has(der)) continue;
    seen.add(der);
    out.push(pemLine(pem));
  }
  return out;
}
