import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { DbConfig } from '../../config/caConfig.js';
import { redactedUrl } from '../../config/databaseUrl.js';
import { updateConfig } from '../../config/edit.js';
import { resolveHome } from '../../config/home.js';
import { copyStore } from '../../store/copyStore.js';
import { openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { action, CliError } from '../fail.js';
import { storeLocation } from '../options.js';

interface MigrateFlags {
  from: DbConfig;
  to: DbConfig;
  home?: string;
}

const describe = (db: DbConfig): string => (db.type === 'sqlite' ? `sqlite:${db.dataSource}` : redactedUrl(db.dataSource));

/** Opens one side of the copy; a PostgreSQL side that cannot be reached is one line, not a stack. */
async function open(db: DbConfig, role: string): Promise<Store> {
  if (db.type === 'sqlite' && role === 'source' && !existsSync(db.dataSource)) throw new CliError(`--from: there is no SQLite store at ${db.dataSource}`);
  const store = await openStore(db, process.cwd());
  try {
    await store.ping();
  } catch (err) {
    await store.close();
    throw new CliError(`cannot reach the ${role} ${describe(db)}: ${(err as Error).message}`, 1);
  }
  return store;
}

/** `fedca db migrate`: copies a store into an empty one and checks the counts; with --home, switches that CA's ca.json to it. */
async function runMigrate(flags: MigrateFlags): Promise<void> {
  const from: DbConfig = flags.from.type === 'sqlite' ? { ...flags.from, dataSource: resolve(flags.from.dataSource) } : flags.from;
  const to: DbConfig = flags.to.type === 'sqlite' ? { ...flags.to, dataSource: resolve(flags.to.dataSource) } : flags.to;
  if (from.type === to.type && from.dataSource === to.dataSource) throw new CliError('--from and --to are the same store');
  const source = await open(from, 'source');
  try {
    const target = await open(to, 'target');
    try {
      const counts = await copyStore(source, target);
      const crl = await target.crlState();
      const lines = [
        `Copied ${describe(from)} into ${describe(to)}:`,
        `  certificates:   ${counts.certificates}`,
        `  revocations:    ${counts.revocations}`,
        `  used token ids: ${counts.usedTokens}`,
        `  CRL number:     ${crl.crlNumber}`,
      ];
      if (flags.home) {
        const home = resolveHome(flags.home);
        updateConfig(home, (raw) => (raw.db = to.type === 'sqlite' ? { type: 'sqlite', dataSource: to.dataSource } : { type: 'postgresql', dataSource: to.dataSource }));
        lines.push(`  ${home}/config/ca.json now uses it (restart the CA)`);
      } else {
        lines.push(`  set "db" in config/ca.json to ${JSON.stringify({ type: to.type, dataSource: to.dataSource })} and restart the CA`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
}

/** Adds `fedca db` and its subcommand `migrate`. */
export function registerDb(program: Command): void {
  const db = program.command('db').description("a CA's store: move it to another database");
  db.command('migrate')
    .description('copy every issued certificate, revocation, used token id and the CRL state into an empty store (stop the CA first), and check the counts')
    .requiredOption('--from <location>', 'the store to copy: sqlite:PATH (or a postgresql:// URL)', storeLocation)
    .requiredOption('--to <location>', 'the empty store to fill: postgresql://user@host:5432/database (or sqlite:PATH)', storeLocation)
    .option('--home <dir>', "after a verified copy, switch this CA home's config/ca.json to --to")
    .action(action((flags: MigrateFlags) => runMigrate(flags)));
}
