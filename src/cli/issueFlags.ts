import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import type { KeySpec } from '../pki/keys.js';
import type { CaClient } from '../sdk/caClient.js';
import { issueForNewKey, type IssuedKey } from '../sdk/issueForNewKey.js';
import { tokenSans } from '../sdk/tokenSans.js';
import type { SignResponse } from '../sdk/wire.js';
import { addCaOptions, type CaFlags } from './caConnection.js';
import { CliError } from './fail.js';
import { pemLine } from './issued.js';
import { addKeyOptions, keySpec, type KeyFlags } from './keyFlags.js';
import { collect, timeOrDuration } from './options.js';
import { addProvisionerOptions, loadProvisioner, provisionerPassword, type ProvisionerFlags } from './provisionerFlags.js';

/** The flags of every command that has the CA issue a certificate for a fresh key (`certificate`, `export ...`). */
export interface IssueFlags extends CaFlags, ProvisionerFlags, KeyFlags {
  token?: string;
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
    .option('--san <name>', 'a DNS name, IP, email or URI for the certificate (repeatable; default: the subject)', collect)
    .option(
      '--profile <name>',
      `certificate profile: default, openvpn-server, openvpn-client, aws-client-vpn-server or aws-client-vpn-client (default: ${profileDefault ?? "the CA's default profile"})`,
    );
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
  /** The token given with --token, else the provisioner password to mint one. */
  readonly token?: string;
  readonly password: string;
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

/**
 * Checks the flags of an issuance and reads the provisioner password, before
 * anything is generated or sent. `profile` is the command's own default profile.
 * Throws CliError for flags that do not go together.
 */
export function planIssue(subject: string, flags: IssueFlags, profile?: string): IssuePlan {
  if (flags.token && flags.provisioner) throw new CliError('pass either --token or --provisioner, not both');
  if (flags.token && flags.profile) throw new CliError('--profile does not apply with --token: the token names the profile (fedca token --profile)');
  const spec = keySpec(flags, { kty: 'EC' });
  const token = flags.token;
  const password = token === undefined ? provisionerPassword(flags) : '';
  const sans = flags.san?.length ? flags.san : token ? sansOfToken(token, subject) : [subject];
  return { subject, sans, spec, token, password, profile: flags.profile ?? profile };
}

/**
 * Has the CA issue a certificate for a fresh key: the token (given, or minted with
 * the provisioner for the plan's profile), a CSR for the subject and SANs, `POST /sign`.
 * Throws what the SDK throws.
 */
export async function issueKey(client: CaClient, plan: IssuePlan, flags: IssueFlags): Promise<IssuedKey> {
  const ott = plan.token ?? (await (await loadProvisioner(client, flags, plan.password)).token(plan.subject, { sans: plan.sans, profile: plan.profile }));
  return issueForNewKey(client, { subject: plan.subject, sans: plan.sans, key: plan.spec, ott, notBefore: flags.notBefore, notAfter: flags.notAfter });
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
