import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { acmeId } from '../../authority/acme/ids.js';
import { resolveHome } from '../../config/home.js';
import { loadConfig } from '../../config/load.js';
import { openStore } from '../../store/open.js';
import type { AcmeEabKeyRecord, Store } from '../../store/store.js';
import { action, CliError } from '../fail.js';
import { outputFormat, type OutputFormat } from '../options.js';

interface EabFlags {
  home?: string;
  provisioner?: string;
  reference?: string;
  keyId?: string;
  format: OutputFormat;
}

/** A key id a person can type as an argument: a leading "-" would read as an option. */
const KEY_ID = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$/;

/** Runs `work` on the store of the home `flags.home` names, closing it after. */
async function withStore<T>(flags: EabFlags, work: (store: Store, acmeProvisioners: readonly string[]) => Promise<T>): Promise<T> {
  const home = resolveHome(flags.home);
  const config = loadConfig(home);
  const store = await openStore(config.db, home);
  try {
    return await work(
      store,
      config.authority.provisioners.filter((p) => p.type === 'ACME').map((p) => p.name),
    );
  } finally {
    await store.close();
  }
}

/** The ACME provisioner a verb is for: `--provisioner`, or the only one the CA has. */
function provisionerOf(flags: EabFlags, acme: readonly string[]): string {
  if (flags.provisioner !== undefined) {
    if (!acme.includes(flags.provisioner)) throw new CliError(`no ACME provisioner "${flags.provisioner}" in ca.json (ACME provisioners: ${acme.join(', ') || 'none'})`, 2);
    return flags.provisioner;
  }
  if (acme.length !== 1) throw new CliError(acme.length === 0 ? 'ca.json has no ACME provisioner' : `--provisioner is needed: ca.json has several ACME provisioners (${acme.join(', ')})`, 2);
  return acme[0];
}

const shown = (k: AcmeEabKeyRecord): Record<string, string> => ({
  keyId: k.keyId,
  provisioner: k.provisioner,
  reference: k.reference,
  createdAt: k.createdAt.toISOString(),
  ...(k.accountId ? { account: k.accountId, boundAt: k.boundAt?.toISOString() ?? '' } : {}),
});

/** `fedca acme eab add`: a new EAB key (key id and 256-bit HMAC key) for an ACME provisioner, printed once. */
export async function runEabAdd(flags: EabFlags): Promise<void> {
  const keyId = flags.keyId ?? acmeId();
  if (!KEY_ID.test(keyId)) throw new CliError('--key-id must be 1-64 characters of A-Z a-z 0-9 _ -, not starting with -', 2);
  const hmacKey = randomBytes(32);
  await withStore(flags, async (store, acme) => {
    const provisioner = provisionerOf(flags, acme);
    const added = await store.addAcmeEabKey({ keyId, provisioner, hmacKey, reference: flags.reference ?? '', createdAt: new Date() });
    if (!added) throw new CliError(`an EAB key with key id "${keyId}" exists already`, 1);
    const hmac = hmacKey.toString('base64url');
    if (flags.format === 'json') process.stdout.write(JSON.stringify({ keyId, hmacKey: hmac, provisioner }, null, 2) + '\n');
    else process.stdout.write(`EAB key for ACME provisioner "${provisioner}" (the HMAC key is shown only now):\n  key id:   ${keyId}\n  HMAC key: ${hmac}\n  lego:     --eab --kid ${keyId} --hmac ${hmac}\n  certbot:  --eab-kid ${keyId} --eab-hmac-key ${hmac}\n`);
  });
}

/** `fedca acme eab list`: every EAB key (never its HMAC key), and the account bound to it. */
export async function runEabList(flags: EabFlags): Promise<void> {
  await withStore(flags, async (store, acme) => {
    if (flags.provisioner !== undefined) provisionerOf(flags, acme);
    const keys = (await store.acmeEabKeys(flags.provisioner)).map(shown);
    if (flags.format === 'json') return void process.stdout.write(JSON.stringify(keys, null, 2) + '\n');
    if (keys.length === 0) return void process.stdout.write('no EAB keys\n');
    const lines = keys.map((k) => [k.keyId, k.provisioner, k.createdAt, k.account ? `bound to account ${k.account} at ${k.boundAt}` : 'unbound', k.reference ? JSON.stringify(k.reference) : ''].join('  ').trimEnd());
    process.stdout.write(lines.join('\n') + '\n');
  });
}

/** `fedca acme eab remove KEYID`: forgets an EAB key (an account already bound to it stays). */
export async function runEabRemove(keyId: string, flags: EabFlags): Promise<void> {
  await withStore(flags, async (store) => {
    if (!(await store.removeAcmeEabKey(keyId))) throw new CliError(`no EAB key with key id "${keyId}"`, 1);
    process.stdout.write(flags.format === 'json' ? JSON.stringify({ removed: keyId }) + '\n' : `removed EAB key ${keyId}\n`);
  });
}

/**
 * `fedca acme account revoke ID`: the CA ends an ACME account (RFC 8555 status
 * "revoked"): its key signs nothing more, and ARI asks for its certificates to be
 * replaced now. The account id is the credential id of its certificates' provisioner
 * extension (`fedca inspect`).
 */
export async function runAccountRevoke(accountId: string, flags: EabFlags): Promise<void> {
  await withStore(flags, async (store) => {
    const account = await store.acmeAccount(accountId);
    if (!account) throw new CliError(`no ACME account "${accountId}"`, 1);
    if (account.status === 'revoked') throw new CliError(`ACME account "${accountId}" is already revoked`, 1);
    await store.updateAcmeAccount({ ...account, status: 'revoked' });
    process.stdout.write(`revoked ACME account ${accountId} of provisioner "${account.provisioner}": it can no longer order, and renewal information asks for its certificates to be replaced now\n`);
  });
}

/** Adds `fedca acme eab add|list|remove` and `fedca acme account revoke` to the program. */
export function registerAcme(program: Command): void {
  const acme = program.command('acme').description("manage the CA's ACME provisioners' state (offline, on the home's store)");
  const eab = acme
    .command('eab')
    .description('external account binding keys (RFC 8555 §7.3.4): an ACME provisioner with "requireEAB": true creates an account only for a client that presents one, and binds each key to one account');
  const home = '--home <dir>';
  const homeHelp = 'the CA home (default: $FEDCA_HOME, else the current directory)';
  eab
    .command('add')
    .description('create an EAB key for an ACME provisioner and print its key id and HMAC key (shown only once) for the client (lego --eab --kid --hmac, certbot --eab-kid --eab-hmac-key)')
    .option(home, homeHelp)
    .option('--provisioner <name>', 'the ACME provisioner (default: the only one in ca.json)')
    .option('--reference <text>', 'a label for whom the key is for, shown by list')
    .option('--key-id <id>', 'the key id (default: random)')
    .option('--format <format>', 'text, or json', outputFormat, 'text')
    .action(action(async (flags: EabFlags) => runEabAdd(flags)));
  eab
    .command('list')
    .description('list EAB keys (key id, provisioner, creation, the account bound to it); never the HMAC keys')
    .option(home, homeHelp)
    .option('--provisioner <name>', 'only the keys of this ACME provisioner')
    .option('--format <format>', 'text, or json', outputFormat, 'text')
    .action(action(async (flags: EabFlags) => runEabList(flags)));
  eab
    .command('remove')
    .description('remove an EAB key: no new account can bind it (an account created with it stays)')
    .argument('<keyId>', 'the key id (one that starts with - goes after --)')
    .option(home, homeHelp)
    .option('--format <format>', 'text, or json', outputFormat, 'text')
    .action(action(async (keyId: string, flags: EabFlags) => runEabRemove(keyId, flags)));
  acme
    .command('account')
    .description('ACME accounts')
    .command('revoke')
    .description("end an ACME account (status revoked): it can order nothing more, and ARI asks for its certificates to be replaced now (the id is the credential id `fedca inspect` shows in the certificate's provisioner extension)")
    .argument('<accountId>', 'the account id (one that starts with - goes after --)')
    .option(home, homeHelp)
    .action(action(async (accountId: string, flags: EabFlags) => runAccountRevoke(accountId, flags)));
}
