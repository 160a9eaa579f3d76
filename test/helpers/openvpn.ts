import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { skipUnless } from './requirements.js';

/**
 * Real OpenVPN processes for tests, on loopback: the control channel stays on
 * 127.0.0.1, each process gets its own tun device, clients use route-nopull, and
 * nothing is sent into a tunnel. Every process started here is stopped by `stopAllOpenvpn`.
 */

/** What OpenVPN logs once a connection is up. */
export const INITIALIZED = /Initialization Sequence Completed/;

/** How long a handshake may take before a test gives up on it. */
export const HANDSHAKE_MS = 15_000;

/** A running openvpn and its log. */
export interface OpenvpnProcess {
  readonly device: string;
  /** Every line logged so far (stdout and stderr). */
  readonly lines: readonly string[];
  /** The number of lines so far: pass it to `waitFor` or `logged` to look only at later lines. */
  mark(): number;
  /** Resolves the first line from `from` on that matches; rejects after `timeoutMs`, or when openvpn exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<string>;
  /** True when a line from `from` on matches. */
  logged(pattern: RegExp, from?: number): boolean;
  /** SIGTERM, then SIGKILL if it lingers; resolves once it has exited. */
  stop(): Promise<void>;
}

const running = new Set<OpenvpnProcess>();
let devices = 0;
let cachedProbe: Promise<string | undefined> | undefined;

/** A tun device name unique to this test process (at most 15 characters, as Linux allows). */
export function tunDevice(): string {
  devices += 1;
  return `fc${process.pid % 100000}t${devices}`;
}

/** A tunnel subnet (a.b.c.0/24) for a server, kept apart from other test processes' by pid. */
export function tunnelSubnet(): string {
  return `10.${200 + (devices % 50)}.${process.pid % 250}.0`;
}

/** A UDP port on 127.0.0.1 that nothing is bound to (bound, then released). */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

function probe(): string | undefined {
  const version = spawnSync('openvpn', ['--version'], { stdio: 'ignore' });
  if (version.error) return 'openvpn is not installed (apt-get install openvpn)';
  if (!existsSync('/dev/net/tun')) return 'there is no /dev/net/tun (the tun driver is missing)';
  const device = `fc${process.pid % 100000}probe`;
  const made = spawnSync('openvpn', ['--mktun', '--dev', device, '--dev-type', 'tun'], { stdio: 'ignore' });
  if (made.status !== 0) return 'cannot create a tun device (not root, or no CAP_NET_ADMIN)';
  spawnSync('openvpn', ['--rmtun', '--dev', device, '--dev-type', 'tun'], { stdio: 'ignore' });
  return undefined;
}

/** Why real OpenVPN cannot run here, or undefined when it can (checked once per test process). */
export function openvpnUnavailable(): Promise<string | undefined> {
  cachedProbe ??= Promise.resolve().then(probe);
  return cachedProbe;
}

/** In a `before` hook: skips the suite when OpenVPN or tun is missing (fails under CI=true). */
export async function requireOpenvpn(ctx: Mocha.Context): Promise<void> {
  skipUnless(ctx, 'the real-OpenVPN tests', await openvpnUnavailable());
}

/** Starts openvpn in `cwd` with the configuration `lines` (written to `<cwd>/<name>.conf`) and extra command-line arguments. */
function startOpenvpn(cwd: string, name: string, lines: readonly string[], args: readonly string[], device: string): OpenvpnProcess {
  const configFile = join(cwd, `${name}.conf`);
  writeFileSync(configFile, lines.join('\n') + '\n');
  const child: ChildProcess = spawn('openvpn', ['--config', configFile, '--dev', device, '--dev-type', 'tun', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const listeners = new Set<() => void>();
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code;
      for (const notify of listeners) notify();
      resolve();
    });
    child.on('error', (err) => {
      log.push(`spawn error: ${err.message}`);
      exitCode = -1;
      for (const notify of listeners) notify();
      resolve();
    });
  });
  let partial = '';
  const onData = (chunk: Buffer): void => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    log.push(...parts);
    for (const notify of listeners) notify();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const find = (pattern: RegExp, from: number): string | undefined => log.slice(from).find((l) => pattern.test(l));
  const handle: OpenvpnProcess = {
    device,
    lines: log,
    mark: () => log.length,
    logged: (pattern, from = 0) => find(pattern, from) !== undefined,
    waitFor(pattern, timeoutMs = HANDSHAKE_MS, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = find(pattern, from);
          if (line !== undefined) done(() => resolve(line));
          else if (exitCode !== undefined) done(() => reject(new Error(`openvpn ${name} exited (${exitCode}) before logging ${pattern}:\n${log.slice(-15).join('\n')}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`openvpn ${name} did not log ${pattern} within ${timeoutMs} ms:\n${log.slice(-15).join('\n')}`))), timeoutMs);
        const done = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      running.delete(handle);
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
  running.add(handle);
  return handle;
}

/** Where and how a test server runs. */
export interface ServerSetup {
  /** Its working directory: relative paths in its configuration resolve here. */
  readonly cwd: string;
  /** A configuration file (in `cwd`) to include first, such as fedca's server.conf fragment. */
  readonly include?: string;
  /** More configuration lines, after the test's own (management interface, ...). */
  readonly extraLines?: readonly string[];
}

/** A test OpenVPN server and the UDP port it listens on (127.0.0.1). */
export interface OpenvpnServer extends OpenvpnProcess {
  readonly port: number;
}

/** Starts an OpenVPN server on 127.0.0.1 (UDP, its own tun and /24) and resolves once it is up. */
export async function startOpenvpnServer(setup: ServerSetup): Promise<OpenvpnServer> {
  const port = await freeUdpPort();
  const device = tunDevice();
  const lines = [
    ...(setup.include ? [`config ${setup.include}`] : []),
    'local 127.0.0.1',
    `port ${port}`,
    'proto udp',
    'topology subnet',
    `server ${tunnelSubnet()} 255.255.255.0`,
    'verb 3',
    ...(setup.extraLines ?? []),
  ];
  const server = startOpenvpn(setup.cwd, `server-${device}`, lines, [], device);
  try {
    await server.waitFor(INITIALIZED);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { ...server, port };
}

/** What a test client connects with: a profile file as is, or configuration lines. */
export interface ClientSetup {
  readonly cwd: string;
  /** A client profile (.ovpn) used as is; the test only adds its device and route-nopull on the command line. */
  readonly profile?: string;
  readonly lines?: readonly string[];
  /** More command-line arguments (--pkcs12 FILE --askpass FILE, ...). */
  readonly args?: readonly string[];
}

/** Starts an OpenVPN client (never waits: call `waitFor`). It takes no routes from the server. */
export function startOpenvpnClient(setup: ClientSetup): OpenvpnProcess {
  const device = tunDevice();
  const lines = setup.profile ? [`config ${setup.profile}`] : (setup.lines ?? []);
  return startOpenvpn(setup.cwd, `client-${device}`, lines, ['--route-nopull', ...(setup.args ?? [])], device);
}

/** Configuration lines of a client of `server` with the given CA, certificate and key files. */
export function clientLines(server: OpenvpnServer, files: { ca: string; cert: string; key: string }): string[] {
  return ['client', 'proto udp', `remote 127.0.0.1 ${server.port}`, 'nobind', 'remote-cert-tls server', 'verb 3', `ca ${files.ca}`, `cert ${files.cert}`, `key ${files.key}`];
}

/** Stops every openvpn these helpers started (for `after` hooks). */
export async function stopAllOpenvpn(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
}
