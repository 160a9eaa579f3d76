import { InvalidArgumentError, Option, type Command } from 'commander';
import { OcspChecker } from '../../sdk/ocspChecker.js';
import { OpenvpnAgent } from '../../openvpn/agent.js';
import { formatManagementAddress, parseManagementAddress, type ManagementAddress } from '../../openvpn/managementAddress.js';
import { checkShareAddress, ManagementShare } from '../../openvpn/managementShare.js';
import { addCaOptions, connectToCa, type CaFlags } from '../caConnection.js';
import { errnoCode } from '../../files/errno.js';
import { action, CliError } from '../fail.js';
import { readInputFile } from '../inputFile.js';
import { positiveDuration } from '../options.js';

interface OpenvpnAgentFlags extends CaFlags {
  management: ManagementAddress;
  managementPasswordFile?: string;
  recheck: number;
  failOpen?: boolean;
  share?: ManagementAddress;
}

/** A connecting client waits for the answer: a CA that does not answer in this time counts as unreachable. */
const CA_TIMEOUT_MS = 5_000;

function managementAddress(value: string): ManagementAddress {
  try {
    return parseManagementAddress(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function shareAddress(value: string): ManagementAddress {
  const address = managementAddress(value);
  try {
    checkShareAddress(address);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  return address;
}

/** The first line of a password file, as OpenVPN's --management pw-file reads it. */
function readPasswordFile(file: string): string {
  const password = readInputFile(file, 'the management password file').toString('utf8').split(/\r?\n/)[0];
  if (!password) throw new CliError(`the management password file ${file} has an empty first line`);
  return password;
}

/** Runs the agent until SIGTERM or SIGINT, printing one JSON line per decision or event on stdout. */
export async function runOpenvpnAgent(flags: OpenvpnAgentFlags): Promise<void> {
  if (flags.recheck < 100) throw new CliError('--recheck must be at least 100ms');
  const password = flags.managementPasswordFile === undefined ? undefined : readPasswordFile(flags.managementPasswordFile);
  const ca = await connectToCa(flags, { timeoutMs: CA_TIMEOUT_MS });
  const log = (record: object): boolean => process.stdout.write(JSON.stringify(record) + '\n');
  const agent = new OpenvpnAgent({
    management: flags.management,
    password,
    statuses: new OcspChecker(ca),
    recheckMs: flags.recheck,
    failOpen: flags.failOpen === true,
    log,
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    log({ time: new Date().toISOString(), event: 'stopping', signal });
    agent.stop();
  };
  const share = flags.share && new ManagementShare(flags.share, (command) => agent.sendShared(command));
  let shared: string | undefined;
  try {
    shared = await share?.start();
  } catch (err) {
    ca.close();
    throw new CliError(`cannot listen on --share ${formatManagementAddress(flags.share as ManagementAddress)} (${errnoCode(err)})`, 1);
  }
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  log({ time: new Date().toISOString(), event: 'started', ca: ca.caUrl, recheckMs: flags.recheck, failOpen: flags.failOpen === true, ...(shared ? { share: shared } : {}) });
  try {
    await agent.run();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await share?.stop();
    ca.close();
  }
}

/** Adds `fedca openvpn-agent` to the program. */
export function registerOpenvpnAgent(program: Command): void {
  addCaOptions(
    program
      .command('openvpn-agent')
      .description(
        "enforce revocations on an OpenVPN server within seconds: through its management interface (--management-client-auth), admit each connecting client only when the CA's OCSP responder says its certificate is good, and disconnect established clients revoked meanwhile",
      ),
  )
    .requiredOption('--management <address>', "OpenVPN's management interface: HOST:PORT or unix:PATH", managementAddress)
    .option('--management-password-file <file>', "the management interface's password (first line), as OpenVPN's --management pw-file")
    .addOption(new Option('--recheck <duration>', 'how often established clients are checked again (5s, 1m)').argParser(positiveDuration).default(5_000, '5s'))
    .option('--fail-open', 'admit clients when the CA cannot be asked (default: deny them); revoked and unknown certificates are denied either way')
    .option('--share <address>', 'a pass-through management interface for other tools (status dashboards): unix:PATH or 127.0.0.1:PORT; client-auth, client-auth-nt, client-deny and client-pending-auth stay the agent\'s', shareAddress)
    .action(action(async (flags: OpenvpnAgentFlags) => runOpenvpnAgent(flags)));
}
