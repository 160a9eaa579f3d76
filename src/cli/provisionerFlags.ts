import type { Command } from 'commander';
import type { CaClient } from '../sdk/caClient.js';
import { Provisioner } from '../sdk/provisioner.js';
import { CliError } from './fail.js';
import { readPasswordFile } from './password.js';
import { addStepAlias } from './stepAliases.js';

/** The options that pick a JWK provisioner and unlock its key. */
export interface ProvisionerFlags {
  provisioner?: string;
  passwordFile?: string;
}

/** Adds `--provisioner` and `--password-file` to a command, with step's `--issuer` and `--provisioner-password-file`. */
export function addProvisionerOptions(command: Command): Command {
  command
    .option('--provisioner <name>', "name of the provisioner: a JWK one signs the token (default: the CA's only JWK provisioner); an OIDC one logs you in at its identity provider in a browser; an AWS, GCP, Azure or K8sSA one uses the machine's platform identity; neither needs a password")
    .option('--password-file <file>', 'file holding the provisioner password, which decrypts the provisioner key (one trailing newline is ignored)');
  addStepAlias(command, '--issuer <name>', '--provisioner');
  return addStepAlias(command, '--provisioner-password-file <file>', '--password-file');
}

/** Reads the provisioner password; throws CliError when `--password-file` is missing or unreadable. */
export function provisionerPassword(flags: ProvisionerFlags): string {
  if (!flags.passwordFile) throw new CliError('pass --password-file with the provisioner password');
  return readPasswordFile(flags.passwordFile);
}

/**
 * The provisioner password read before anything is sent, or undefined when it may not
 * be needed: a named provisioner without --password-file may be an OIDC or cloud one,
 * which needs none (a JWK one asks for it later, through provisionerPassword).
 */
export function passwordUpFront(flags: ProvisionerFlags): string | undefined {
  return flags.passwordFile !== undefined || flags.provisioner === undefined ? provisionerPassword(flags) : undefined;
}

/** Loads the provisioner the flags name, with its decrypted key; throws what Provisioner.load throws. */
export async function loadProvisioner(client: CaClient, flags: ProvisionerFlags, password: string): Promise<Provisioner> {
  return Provisioner.load(client, { name: flags.provisioner }, password);
}
