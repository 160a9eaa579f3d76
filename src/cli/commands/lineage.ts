import type { Command } from 'commander';
import { resolveHome } from '../../config/home.js';
import { loadConfig } from '../../config/load.js';
import { crlReasonName } from '../../pki/crlReason.js';
import { ancestors, descendants } from '../../store/lineage.js';
import { openStore } from '../../store/open.js';
import type { IssuedCertificate, Store } from '../../store/store.js';
import { action, CliError } from '../fail.js';
import { outputFormat, serialNumber, type OutputFormat } from '../options.js';

interface LineageFlags {
  home?: string;
  format: OutputFormat;
}

/** One certificate of a line, as `fedca lineage` shows it. */
interface LineEntry {
  readonly serial: string;
  readonly commonName: string;
  readonly notBefore: string;
  readonly notAfter: string;
  /** The serial it renewed or rekeyed, if any. */
  readonly replaces?: string;
  readonly status: 'valid' | 'expired' | 'revoked';
  readonly revokedAt?: string;
  readonly reason?: string;
}

async function entry(store: Store, c: IssuedCertificate, now: Date): Promise<LineEntry> {
  const revocation = await store.revocation(c.serial);
  const base = { serial: c.serial, commonName: c.commonName, notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(), ...(c.replaces ? { replaces: c.replaces } : {}) };
  if (revocation) return { ...base, status: 'revoked', revokedAt: revocation.revokedAt.toISOString(), reason: crlReasonName(revocation.reasonCode) + (revocation.reason ? `: ${revocation.reason}` : '') };
  return { ...base, status: c.notAfter <= now ? 'expired' : 'valid' };
}

const text = (e: LineEntry, asked: string): string =>
  [
    `${e.serial === asked ? '*' : ' '} ${e.serial}`,
    `CN=${e.commonName}`,
    `${e.notBefore} .. ${e.notAfter}`,
    e.status === 'revoked' ? `revoked ${e.revokedAt} (${e.reason})` : e.status,
    e.replaces ? `replaces ${e.replaces}` : 'first issuance',
  ].join('  ');

/**
 * Shows the lineage of the certificate with SERIAL from the CA's store: the
 * certificates it descends from, itself, and every renewal or rekey descended
 * from it, each with its status. Reads the home's store directly (no password).
 */
export async function runLineage(serial: string, flags: LineageFlags): Promise<void> {
  const home = resolveHome(flags.home);
  const store = await openStore(loadConfig(home).db, home);
  try {
    const certificate = await store.certificate(serial);
    if (!certificate) throw new CliError(`no certificate with serial ${serial} was issued by this CA`, 1);
    const line = [...(await ancestors(store, certificate)), certificate, ...(await descendants(store, serial))];
    const now = new Date();
    const entries = await Promise.all(line.map((c) => entry(store, c, now)));
    if (flags.format === 'json') {
      process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      return;
    }
    process.stdout.write([`The lineage of ${serial}: ${entries.length} certificate${entries.length === 1 ? '' : 's'}, oldest first (* the one asked about):`, ...entries.map((e) => text(e, serial))].join('\n') + '\n');
  } finally {
    await store.close();
  }
}

/** Adds `fedca lineage` to the program. */
export function registerLineage(program: Command): void {
  program
    .command('lineage')
    .description("show a certificate's lineage from the CA's store: what it renewed or rekeyed, and every renewal or rekey descended from it, with their status")
    .argument('<serial>', 'the serial number of a certificate, decimal or 0x-prefixed hex', serialNumber)
    .option('--home <dir>', 'the CA home (default: $FEDCA_HOME, else the current directory)')
    .option('--format <format>', 'text, or json (an array, oldest first)', outputFormat, 'text')
    .action(action(async (serial: string, flags: LineageFlags) => runLineage(serial, flags)));
}
