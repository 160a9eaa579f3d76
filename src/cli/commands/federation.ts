import { X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { addFederatedRoots, listFederation, type FederationEntry } from '../../home/federationHome.js';
import { resolveHome } from '../../config/home.js';
import { pemBundle, pemDers } from '../../pki/pem.js';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { action, CliError } from '../fail.js';
import { readInputFile } from '../inputFile.js';
import { checkWritable, writeOutputFile } from '../outputFiles.js';

interface SaveFlags extends CaFlags {
  force?: boolean;
}

interface HomeFlags {
  home?: string;
}

interface AddFlags extends HomeFlags {
  root: string;
}

const line = (e: FederationEntry): string => `${e.fingerprint}  ${e.subject}  (${e.source})`;

/** Saves the federation bundle of a CA (`GET /federation`) as a PEM file: what curl takes as `--cacert`. */
export async function runSaveFederation(outFile: string | undefined, flags: SaveFlags): Promise<void> {
  if (!outFile) throw new CliError('pass the file to save the federation bundle in (fedca federation --ca-url URL --root FILE OUT_FILE), or a subcommand: add, list');
  checkWritable([outFile], Boolean(flags.force));
  const client = await connectToCa(flags);
  let pems: string[];
  try {
    pems = await client.federation();
  } finally {
    client.close();
  }
  const subjects = pems.flatMap((pem) => pemDers(pem)).map((der) => new X509Certificate(der).subject.replace(/\n/g, ', '));
  writeOutputFile(outFile, pemBundle(pems), 0o644, Boolean(flags.force));
  process.stdout.write([`The federation bundle (${subjects.length} root${subjects.length === 1 ? '' : 's'}) has been saved in ${outFile}:`, ...subjects.map((s) => `  ${s}`)].join('\n') + '\n');
}

/** Copies the roots of a file into the home's `pki/federated/` and lists them in `federatedRoots`. */
export function runAddFederation(flags: AddFlags): void {
  const home = resolveHome(flags.home);
  const ders = pemDers(readInputFile(flags.root, 'the root file').toString('utf8'));
  if (ders.length === 0) throw new CliError(`${flags.root} holds no PEM certificate`);
  const result = addFederatedRoots(home, ders, flags.root);
  const lines = [
    ...result.added.map((e) => `Added ${e.subject} (sha256 ${e.fingerprint}) as ${e.source}.`),
    ...result.alreadyPresent.map((e) => `Already federated: ${e.subject} (sha256 ${e.fingerprint}, ${e.source === 'root' ? "this CA's own root" : e.source}).`),
  ];
  if (result.file) lines.push('A running CA loads it on SIGHUP (kill -HUP <pid>) or at its next start.');
  process.stdout.write(lines.join('\n') + '\n');
}

/** Prints every root of a home's federation and where it comes from. */
export async function runListFederation(flags: HomeFlags): Promise<void> {
  const listing = await listFederation(resolveHome(flags.home));
  const lines = listing.entries.map(line);
  for (const url of listing.pendingPeers) lines.push(`(peer ${url}: no roots fetched yet)`);
  process.stdout.write(lines.join('\n') + '\n');
}

const HOME_OPTION = ['--home <dir>', 'CA home directory (default: $FEDCA_HOME or the current directory)'] as const;

/** Adds `fedca federation` (save a CA's bundle) and its subcommands `add` and `list` to the program. */
export function registerFederation(program: Command): void {
  const federation = program
    .command('federation')
    .description("save a CA's federation bundle (its roots, then every root it federates with) as PEM, what curl takes as --cacert; or edit a CA home's federation with add and list")
    .argument('[out-file]', 'where to write the bundle, PEM')
    .enablePositionalOptions();
  addCaOptions(federation);
  federation
    .option('--force', 'overwrite <out-file> if it exists')
    .action(action(async (outFile: string | undefined, flags: SaveFlags) => runSaveFederation(outFile, flags)));
  federation
    .command('add')
    .description("federate a CA home with another CA's root: copy it into pki/federated/ and list it in federatedRoots of config/ca.json (a running CA loads it on SIGHUP)")
    .option(...HOME_OPTION)
    .requiredOption('--root <file>', 'PEM file with the root certificate (or a bundle of roots) to trust')
    .action(action((flags: AddFlags) => runAddFederation(flags)));
  federation
    .command('list')
    .description("list a CA home's federation: its own roots, the federatedRoots files and the roots fetched from federation peers")
    .option(...HOME_OPTION)
    .action(action((flags: HomeFlags) => runListFederation(flags)));
}
