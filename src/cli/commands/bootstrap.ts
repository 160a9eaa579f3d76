import type { Command } from 'commander';
import { CaClient } from '../../sdk/caClient.js';
import { resolveClientHome, saveBootstrap } from '../../sdk/clientHome.js';
import { action } from '../fail.js';

interface BootstrapFlags {
  caUrl: string;
  fingerprint: string;
  force?: boolean;
}

/** Fetches and checks the CA's root, then saves it and the CA URL as the client defaults. */
export async function runBootstrap(flags: BootstrapFlags): Promise<void> {
  const client = await CaClient.bootstrap(flags.caUrl, flags.fingerprint);
  client.close();
  const home = resolveClientHome();
  const saved = saveBootstrap(home, { caUrl: client.caUrl, fingerprint: client.rootFingerprint, rootPem: client.rootPem }, Boolean(flags.force));
  process.stdout.write(
    [`The root certificate has been saved in ${saved.rootFile}.`, `The CA URL and fingerprint have been saved in ${saved.defaultsFile}.`].join('\n') + '\n',
  );
}

/** Adds `fedca bootstrap` to the program. */
export function registerBootstrap(program: Command): void {
  program
    .command('bootstrap')
    .description('trust a CA by its root fingerprint: fetch its root, check it, and save it and the CA URL in the client home ($FEDCA_CLIENT_HOME or ~/.fedca) as defaults for later commands')
    .requiredOption('--ca-url <url>', 'the CA, https://host[:port]')
    .requiredOption('--fingerprint <hex>', "SHA-256 fingerprint of the CA's root certificate (as fedca init and fedca fingerprint print it)")
    .option('--force', 'replace the root and defaults of a CA bootstrapped before')
    .action(action(async (flags: BootstrapFlags) => runBootstrap(flags)));
}
