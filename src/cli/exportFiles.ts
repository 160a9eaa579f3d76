import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { errnoCode } from '../files/errno.js';
import { replaceFiles, type Replacement } from '../files/replaceFiles.js';
import type { CaClient } from '../sdk/caClient.js';
import type { IssuedKey } from '../sdk/issueForNewKey.js';
import { connectToCa } from './caConnection.js';
import { CliError } from './fail.js';
import { addIssueOptions, issueKey, planIssue, type IssueFlags } from './issueFlags.js';
import { checkWritable } from './outputFiles.js';

/** The flags every `fedca export` verb takes. */
export interface ExportFlags extends IssueFlags {
  out: string;
  force?: boolean;
}

/** How an export verb presents itself in `--help`. */
export interface ExportVerb {
  readonly verb: string;
  readonly description: string;
  /** What NAME is for this verb. */
  readonly nameHelp: string;
  /** `--out <dir>` or `--out <file>`, and what it is. */
  readonly out: readonly [flags: string, help: string];
  /** The profile the verb asks for unless --profile names another. */
  readonly profile: string;
  readonly forceHelp: string;
}

/** Declares an export verb on `group`: NAME, --out, the options of `addIssueOptions`, and --force; its own options come after. */
export function exportCommand(group: Command, verb: ExportVerb): Command {
  const command = group
    .command(verb.verb)
    .description(verb.description)
    .argument('<name>', `${verb.nameHelp}: the certificate's common name (also its SAN unless --san is given)`)
    .requiredOption(verb.out[0], verb.out[1]);
  addIssueOptions(command, verb.profile);
  return command.option('--force', verb.forceHelp);
}

/** Refuses an output directory that exists as something else. Throws CliError. */
export function checkOutputDirectory(dir: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    return;
  }
  if (!isDirectory) throw new CliError(`${dir} exists and is not a directory`);
}

/** What an export verb writes, and what it needs from the CA besides the certificate. */
export interface ExportPlan<Fetched> {
  /** The files it will write (checked before anything is asked of the CA). */
  readonly targets: readonly string[];
  /** Fetched from the CA before the certificate is issued, so that a CA that cannot give it costs no certificate. */
  readonly fetch: (client: CaClient) => Promise<Fetched>;
  /** The files, from what was issued and fetched. */
  readonly render: (issued: IssuedKey, client: CaClient, fetched: Fetched) => Replacement[];
}

/**
 * What every export verb does: checks the flags and that the plan's targets may
 * be written, fetches what the plan needs, has the CA issue a key and certificate
 * for NAME with `profile` (unless the flags name another), renders the files and
 * writes them together (creating their directories, 0700): each to a temporary
 * file first, renamed into place once all are written. Resolves what was issued. Throws CliError for bad flags or unwritable files, and what the SDK throws.
 */
export async function issueAndWrite<Fetched>(name: string, flags: ExportFlags, profile: string, plan: ExportPlan<Fetched>): Promise<IssuedKey> {
  const force = Boolean(flags.force);
  for (const dir of new Set(plan.targets.map((t) => dirname(t)))) checkOutputDirectory(dir);
  checkWritable(plan.targets, force);
  const issue = planIssue(name, flags, profile);
  const client = await connectToCa(flags);
  try {
    const fetched = await plan.fetch(client);
    const issued = await issueKey(client, issue, flags);
    const files = plan.render(issued, client, fetched);
    for (const dir of new Set(files.map((f) => dirname(f.file)))) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new CliError(`cannot create ${dir} (${errnoCode(err)})`, 1);
      }
    }
    replaceFiles(files);
    return issued;
  } finally {
    client.close();
  }
}

/** For a plan that needs nothing from the CA but the certificate. */
export const nothingToFetch = async (): Promise<undefined> => undefined;
