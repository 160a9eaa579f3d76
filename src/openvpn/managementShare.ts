import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { formatManagementAddress, type ManagementAddress } from './managementAddress.js';
import { ManagementCommandError } from './errors.js';
import type { CommandReply } from './managementClient.js';

/** What the share passes commands to: the agent's connection to OpenVPN. */
export type SharedSender = (command: string) => Promise<CommandReply>;

/** A tool's line longer than this (no newline yet) ends its connection. */
const MAX_LINE = 64 * 1024;

/** What a tool sees first, in the shape of OpenVPN's own greeting (tools wait for an `>INFO:` line). */
const GREETING = '>INFO:OpenVPN Management Interface Version 5 -- shared by fedca openvpn-agent; client-auth, client-auth-nt, client-deny and client-pending-auth are the agent\'s';

/** Only loopback TCP addresses (or a unix socket) may be shared: the pass-through has no password. */
export function checkShareAddress(address: ManagementAddress): void {
  if ('path' in address) return;
  if (!['127.0.0.1', 'localhost', '::1'].includes(address.host)) throw new TypeError(`--share listens on a unix socket or a loopback address only, not ${formatManagementAddress(address)}`);
}

/**
 * A pass-through management interface: OpenVPN accepts one management client
 * (the agent), so other tools (status dashboards, scripts) connect here instead.
 * Each line a tool sends is passed to `send` in order and the reply written back
 * as OpenVPN writes it (`SUCCESS: ...`, `ERROR: ...`, or lines then `END`);
 * `quit` and `exit` close the tool's connection. Real-time notifications are not
 * relayed.
 */
export class ManagementShare {
  private readonly server: Server;
  private readonly tools = new Set<Socket>();

  constructor(
    private readonly address: ManagementAddress,
    private readonly send: SharedSender,
  ) {
    this.server = createServer((socket) => this.serve(socket));
  }

  /** Listens (a stale unix socket file is replaced); resolves the bound address as text. */
  async start(): Promise<string> {
    const address = this.address;
    if ('path' in address) rmSync(address.path, { force: true });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      const listening = (): void => {
        this.server.off('error', reject);
        resolve();
      };
      if ('path' in address) this.server.listen(address.path, listening);
      else this.server.listen(address.port, address.host, listening);
    });
    const bound = this.server.address();
    if ('path' in address || typeof bound === 'string' || bound === null) return formatManagementAddress(address);
    return formatManagementAddress({ host: address.host, port: bound.port });
  }

  /** Closes the listener and every tool's connection. */
  async stop(): Promise<void> {
    for (const socket of this.tools) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.tools.add(socket);
    socket.on('close', () => this.tools.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    socket.write(`${GREETING}\r\n`);
    let partial = '';
    let queue = Promise.resolve();
    socket.on('data', (text: string) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_LINE) socket.destroy();
      for (const raw of lines) {
        const line = raw.replace(/\r$/, '').trim();
        if (line === '') continue;
        // One command at a time per tool, answered in the order sent.
        queue = queue.then(() => this.answer(socket, line));
      }
    });
  }

  private async answer(socket: Socket, line: string): Promise<void> {
    if (socket.destroyed) return;
    if (/^(quit|exit)$/i.test(line)) {
      socket.end();
      return;
    }
    let reply: string[];
    try {
      const answer = await this.send(line);
      reply = answer.kind === 'success' ? [`SUCCESS: ${answer.text}`] : [...answer.lines, 'END'];
    } catch (err) {
      // OpenVPN's own ERROR text as it sent it; the agent's and the connection's reasons otherwise.
      reply = [`ERROR: ${err instanceof ManagementCommandError ? err.text : (err as Error).message}`];
    }
    if (!socket.destroyed) socket.write(reply.map((l) => `${l}\r\n`).join(''));
  }
}
