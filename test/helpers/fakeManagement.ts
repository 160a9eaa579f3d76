import { createServer, type Server, type Socket } from 'node:net';
import { eventually } from './wait.js';

/**
 * A stand-in for OpenVPN's management interface on 127.0.0.1, speaking the
 * protocol of management-notes.txt: the password prompt, the >INFO greeting,
 * SUCCESS/ERROR replies and `status 3` output. Tests write CLIENT notifications
 * with `write` and read the commands the agent sent.
 */
export interface FakeManagement {
  /** Where it listens, as `--management` takes it: `127.0.0.1:PORT` or `unix:PATH`. */
  readonly address: string;
  /** Command lines received after login, in order, over every connection. */
  readonly commands: string[];
  /** How many connections logged in. */
  logins(): number;
  /** Writes raw text to the current connection. */
  write(text: string): void;
  /** Resolves the first command from `from` on that matches. */
  waitForCommand(pattern: RegExp, from?: number): Promise<string>;
  /** Closes the current connection (OpenVPN restarting, say). */
  drop(): void;
  stop(): Promise<void>;
}

/** What the fake answers. */
export interface FakeManagementOptions {
  readonly password?: string;
  /** Listen on this unix socket instead of a loopback TCP port. */
  readonly path?: string;
  /** CLIENT_LIST rows of `status 3` (tab-separated fields after "CLIENT_LIST"). */
  readonly clients?: () => string[][];
}

const STATUS_HEADER =
  'HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher';

/** A CLIENT_LIST row for a client with this CID and common name. */
export const listedClient = (cid: number, commonName: string): string[] => [commonName, '127.0.0.1:5000', '10.8.0.2', '', '100', '100', '2026-01-01 00:00:00', '1767225600', 'UNDEF', String(cid), '0', 'AES-256-GCM'];

export async function startFakeManagement(options: FakeManagementOptions = {}): Promise<FakeManagement> {
  const commands: string[] = [];
  let current: Socket | undefined;
  let logins = 0;
  const reply = (socket: Socket, line: string): void => {
    const lines = (...l: string[]): boolean => socket.write(l.map((x) => x + '\r\n').join(''));
    commands.push(line);
    if (line === 'status 3') {
      const rows = (options.clients?.() ?? []).map((f) => ['CLIENT_LIST', ...f].join('\t'));
      lines('TITLE\tOpenVPN 2.6 (fake)', STATUS_HEADER, ...rows, 'GLOBAL_STATS\tdco_enabled\t0', 'END');
    } else if (/^(client-auth-nt|client-deny|client-kill|hold release)\b/.test(line)) {
      lines(`SUCCESS: ${line.split(' ')[0]} command succeeded`);
    } else {
      lines("ERROR: unknown command, enter 'help' for more options");
    }
  };
  const server: Server = createServer((socket) => {
    current = socket;
    socket.setEncoding('utf8');
    let loggedIn = options.password === undefined;
    const greet = (): void => {
      logins += 1;
      socket.write(">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n");
    };
    if (loggedIn) greet();
    else socket.write('ENTER PASSWORD:');
    let partial = '';
    socket.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '');
        if (loggedIn) reply(socket, line);
        else if (line === options.password) {
          loggedIn = true;
          socket.write('SUCCESS: password is correct\r\n');
          greet();
        } else socket.write('ENTER PASSWORD:');
      }
    });
    socket.on('error', () => undefined);
  });
  const path = options.path;
  await new Promise<void>((resolve) => (path ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve)));
  return {
    address: path ? `unix:${path}` : `127.0.0.1:${(server.address() as { port: number }).port}`,
    commands,
    logins: () => logins,
    write: (text) => void current?.write(text),
    waitForCommand: (pattern, from = 0) => eventually(() => commands.slice(from).find((c) => pattern.test(c)), `a command matching ${pattern}`),
    drop: () => current?.destroy(),
    stop: () =>
      new Promise<void>((resolve) => {
        current?.destroy();
        server.close(() => resolve());
      }),
  };
}
