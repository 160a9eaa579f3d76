import { connect, type Socket } from 'node:net';
import { ManagementAuthError, ManagementCommandError, ManagementConnectionError } from './errors.js';
import { formatManagementAddress, type ManagementAddress } from './managementAddress.js';
import { ManagementParser, type ClientNotification, type ManagementEvent } from './managementParser.js';

/** A command's reply: `SUCCESS: text`, or the lines of a multi-line answer. */
export type CommandReply = { readonly kind: 'success'; readonly text: string } | { readonly kind: 'output'; readonly lines: readonly string[] };

/** What a ManagementClient reports. Handlers run synchronously, as events arrive. */
export interface ManagementHandlers {
  /** Logged in (after every connection): commands may be sent. */
  readonly ready: () => void;
  /** The connection is gone (or could not be made); the next attempt is in `retryInMs`. */
  readonly disconnected: (reason: string, retryInMs: number) => void;
  readonly client: (notification: ClientNotification) => void;
  /** Every other real-time message (`>LOG:`, `>STATE:`, `>HOLD:`, `>INFO:` ...). */
  readonly notification?: (source: string, text: string) => void;
  /** A line that breaks the protocol; it is otherwise ignored. */
  readonly protocolError?: (message: string, line: string) => void;
  /** The client gave up for good (password missing or refused) and is stopped. */
  readonly fatal: (err: ManagementAuthError) => void;
}

/** Where and how to connect. */
export interface ManagementClientOptions {
  readonly address: ManagementAddress;
  /** The management password (the first line of OpenVPN's pw-file), when it has one. */
  readonly password?: string;
  readonly handlers: ManagementHandlers;
  /** First reconnection delay, doubled on each failed attempt up to `maxBackoffMs`; default 250 ms. */
  readonly initialBackoffMs?: number;
  /** Default 5 s. */
  readonly maxBackoffMs?: number;
  /** How long a reply (or the greeting) may take before the connection is dropped and made again; default 10 s. */
  readonly replyTimeoutMs?: number;
}

interface PendingCommand {
  readonly command: string;
  readonly resolve: (reply: CommandReply) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * A client of OpenVPN's management interface: connects (TCP or unix socket),
 * answers the password prompt, sends commands one line each and matches their
 * replies in order (OpenVPN answers commands in the order it reads them), and
 * reconnects with exponential backoff whenever the connection drops.
 */
export class ManagementClient {
  private socket?: Socket;
  private state: 'idle' | 'login' | 'ready' | 'stopped' = 'idle';
  private readonly parser = new ManagementParser();
  private pending: PendingCommand[] = [];
  private failures = 0;
  private passwordSent = false;
  private retryTimer?: NodeJS.Timeout;
  private greetingTimer?: NodeJS.Timeout;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly replyTimeoutMs: number;

  constructor(private readonly options: ManagementClientOptions) {
    this.initialBackoffMs = options.initialBackoffMs ?? 250;
    this.maxBackoffMs = options.maxBackoffMs ?? 5_000;
    this.replyTimeoutMs = options.replyTimeoutMs ?? 10_000;
  }

  /** True while logged in. */
  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Connects, and keeps connecting until `stop`. */
  start(): void {
    if (this.state === 'idle' && !this.socket && !this.retryTimer) this.connect();
  }

  /** Closes the connection for good; pending commands fail with ManagementConnectionError. */
  stop(): void {
    this.state = 'stopped';
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.drop('the management client was stopped');
  }

  /**
   * Sends one command line; resolves its reply. Rejects with ManagementCommandError
   * when OpenVPN answers `ERROR:`, ManagementConnectionError when not logged in
   * or the connection drops (or the reply times out) first.
   */
  send(command: string): Promise<CommandReply> {
    if (/[\r\n]/.test(command)) return Promise.reject(new TypeError('a management command is one line'));
    const socket = this.socket;
    if (this.state !== 'ready' || !socket) return Promise.reject(new ManagementConnectionError(`not connected to the management interface at ${this.where}`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => socket.destroy(new Error(`OpenVPN did not answer "${command.split(' ')[0]}" within ${this.replyTimeoutMs} ms`)), this.replyTimeoutMs);
      this.pending.push({ command, resolve, reject, timer });
      socket.write(command + '\n');
    });
  }

  private get where(): string {
    return formatManagementAddress(this.options.address);
  }

  private connect(): void {
    this.retryTimer = undefined;
    const address = this.options.address;
    const socket = 'path' in address ? connect({ path: address.path }) : connect({ host: address.host, port: address.port });
    this.socket = socket;
    this.state = 'login';
    this.passwordSent = false;
    let failure: string | undefined;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('data', (text: string) => this.receive(socket, text));
    socket.on('error', (err) => (failure ??= err.message));
    socket.on('close', () => {
      if (this.socket === socket) this.lost(failure ?? `OpenVPN closed the management connection`);
    });
    this.greetingTimer = setTimeout(() => socket.destroy(new Error(`no greeting from ${this.where} within ${this.replyTimeoutMs} ms`)), this.replyTimeoutMs);
  }

  /** Tears the connection down and fails what was pending. */
  private drop(reason: string): void {
    const socket = this.socket;
    this.socket = undefined;
    clearTimeout(this.greetingTimer);
    this.parser.reset();
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(new ManagementConnectionError(`the management connection to ${this.where} was lost: ${reason}`));
    }
    socket?.destroy();
  }

  private lost(reason: string): void {
    this.drop(reason);
    if (this.state === 'stopped') return;
    this.state = 'idle';
    const delay = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.options.handlers.disconnected(reason, delay);
  }

  private fatal(err: ManagementAuthError): void {
    this.stop();
    this.options.handlers.fatal(err);
  }

  private receive(socket: Socket, text: string): void {
    for (const event of this.parser.feed(text)) {
      if (this.socket !== socket) return;
      this.handle(event);
    }
  }

  private handle(event: ManagementEvent): void {
    const { handlers, password } = this.options;
    switch (event.kind) {
      case 'password-prompt':
        if (this.state !== 'login') handlers.protocolError?.('a password prompt after login', 'ENTER PASSWORD:');
        else if (password === undefined) this.fatal(new ManagementAuthError(`the management interface at ${this.where} asks for a password, and none was given`));
        else if (this.passwordSent) this.fatal(new ManagementAuthError(`the management interface at ${this.where} refused the password`));
        else {
          this.passwordSent = true;
          this.socket?.write(password + '\n');
        }
        return;
      case 'success':
      case 'error':
      case 'output':
        // Before login the only reply is "SUCCESS: password is correct".
        if (this.state === 'ready') this.reply(event);
        return;
      case 'notification':
        if (event.source === 'INFO' && this.state === 'login') {
          this.state = 'ready';
          this.failures = 0;
          clearTimeout(this.greetingTimer);
          handlers.ready();
        }
        handlers.notification?.(event.source, event.text);
        return;
      case 'client': {
        const { kind: _kind, ...notification } = event;
        handlers.client(notification);
        return;
      }
      case 'protocol-error':
        handlers.protocolError?.(event.message, event.line);
        return;
    }
  }

  private reply(event: Extract<ManagementEvent, { kind: 'success' | 'error' | 'output' }>): void {
    const head = this.pending.shift();
    if (!head) {
      this.options.handlers.protocolError?.('a reply to no command', 'lines' in event ? event.lines.join(' | ') : event.text);
      return;
    }
    clearTimeout(head.timer);
    if (event.kind === 'output') head.resolve({ kind: 'output', lines: event.lines });
    else if (event.kind === 'error') head.reject(new ManagementCommandError(head.command, event.text));
    else head.resolve({ kind: 'success', text: event.text });
  }
}
