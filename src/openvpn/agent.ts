import { crlReasonName } from '../pki/crlReason.js';
import type { ManagementAuthError } from './errors.js';
import type { CertificateToCheck, Verdict } from '../sdk/ocspChecker.js';
import { certificateFromEnv, type EnvCertificate } from './clientCertificate.js';
import { parseClientList, type ListedClient } from './clientList.js';
import { formatManagementAddress, type ManagementAddress } from './managementAddress.js';
import { ManagementClient, type CommandReply } from './managementClient.js';
import { managementCommand } from './managementCommand.js';
import type { ClientNotification } from './managementParser.js';

/** One JSON log line of the agent: `event` says what happened, the rest depends on it. */
/** Management commands only the agent sends: they admit or deny a connecting client. */
export const RESERVED_COMMANDS: ReadonlySet<string> = new Set(['client-auth', 'client-auth-nt', 'client-deny', 'client-pending-auth']);

/** A shared management connection's tool sent a command reserved to the agent. */
export class ReservedCommandError extends Error {
  readonly code = 'ERR_RESERVED_COMMAND';
}

export type AgentLogRecord = { readonly time: string; readonly event: string } & Readonly<Record<string, unknown>>;

/** What the agent needs to decide: anything that answers like `OcspChecker.check`. */
export interface StatusSource {
  check(certs: readonly CertificateToCheck[]): Promise<Verdict[]>;
}

/** How the agent runs. */
export interface OpenvpnAgentOptions {
  readonly management: ManagementAddress;
  /** The management interface's password, when it has one. */
  readonly password?: string;
  readonly statuses: StatusSource;
  /** How often established clients are checked again. */
  readonly recheckMs: number;
  /** Admit clients when the CA cannot answer (default: deny them, fail closed). Revoked and unknown are denied either way. */
  readonly failOpen?: boolean;
  /** Receives one record per decision or event (the CLI prints each as a JSON line). */
  readonly log: (record: AgentLogRecord) => void;
  /** Reconnection backoff and reply timeout of the management connection (see ManagementClientOptions). */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly replyTimeoutMs?: number;
}

/** An established client the agent watches. */
interface Session {
  readonly cid: number;
  readonly certificate: EnvCertificate;
  killed: boolean;
  /** The last non-good verdict logged for it, so a recheck logs a change once. */
  reported?: string;
}

/** What each verdict tells the client, in its AUTH_FAILED message (fixed texts: no detail for an attacker). */
const CLIENT_REASON: Readonly<Record<Verdict['kind'], string>> = {
  good: '',
  revoked: 'certificate revoked',
  unknown: 'certificate not known to the CA',
  unanswerable: 'certificate status could not be checked',
};

/** The reason logged and given to OpenVPN's log for a verdict. */
function reasonOf(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'good':
      return 'the CA says good';
    case 'revoked':
      return `revoked at ${verdict.revokedAt.toISOString()} (${crlReasonName(verdict.reasonCode)})`;
    case 'unknown':
      return verdict.reason;
    case 'unanswerable':
      return `no answer from the CA: ${verdict.reason}`;
  }
}

/** A log-safe rendering of a line that broke the protocol: ENV values (a password, say) are left out. */
const redacted = (line: string): string => line.replace(/^(>CLIENT:ENV,[^=]*=).*$/, '$1...').slice(0, 200);

/**
 * The OpenVPN side of fedca's revocation enforcement: connected to OpenVPN's
 * management interface (`--management-client-auth`), it approves each
 * connecting client (`client-auth-nt`) only when the CA's OCSP responder says
 * its certificate is good, denies it otherwise (`client-deny`, fail closed
 * unless `failOpen`), keeps the established clients (`ESTABLISHED` /
 * `DISCONNECT`, reconciled with `status 3` after each reconnection) and checks
 * them every `recheckMs`, killing (`client-kill`) any revoked meanwhile.
 */
export class OpenvpnAgent {
  private readonly client: ManagementClient;
  private readonly sessions = new Map<number, Session>();
  /** CIDs with a decision under way or approved and not yet established, in this connection. */
  private readonly admitting = new Set<number>();
  /** Counts connections: a decision made for one is not sent on the next. */
  private connection = 0;
  private recheckTimer?: NodeJS.Timeout;
  private rechecking = false;
  private recheckProblem?: string;
  private settle?: { resolve: () => void; reject: (err: Error) => void };

  constructor(private readonly options: OpenvpnAgentOptions) {
    this.client = new ManagementClient({
      address: options.management,
      password: options.password,
      initialBackoffMs: options.initialBackoffMs,
      maxBackoffMs: options.maxBackoffMs,
      replyTimeoutMs: options.replyTimeoutMs,
      handlers: {
        ready: () => this.connected(),
        disconnected: (reason, retryInMs) => this.log('management-disconnected', { reason, retryInMs }),
        client: (n) => this.onClient(n),
        notification: (source, text) => this.onNotification(source, text),
        protocolError: (message, line) => this.log('protocol-error', { message, line: redacted(line) }),
        fatal: (err) => this.fail(err),
      },
    });
  }

  /**
   * Sends the command of another management tool (`--share`) over the agent's
   * connection and resolves OpenVPN's reply. Throws ReservedCommandError for a
   * command that decides a client's admission (the agent's decision alone), and
   * what ManagementClient.send throws.
   */
  sendShared(command: string): Promise<CommandReply> {
    const name = command.trim().split(/\s+/)[0].toLowerCase();
    if (RESERVED_COMMANDS.has(name)) return Promise.reject(new ReservedCommandError(`${name} is reserved to fedca openvpn-agent: clients are admitted or denied by the CA's answer`));
    return this.client.send(command);
  }

  /** Runs until `stop` (resolves) or a fatal management error such as a refused password (rejects with it). */
  run(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.client.start();
    this.recheckTimer = setInterval(() => void this.recheck(), this.options.recheckMs);
    return done;
  }

  /** Disconnects and stops checking; `run` resolves. */
  stop(): void {
    this.halt();
    this.settle?.resolve();
  }

  private halt(): void {
    // Work still in flight belongs to a connection that is over: it neither acts nor reports.
    this.connection += 1;
    clearInterval(this.recheckTimer);
    this.client.stop();
  }

  private fail(err: ManagementAuthError): void {
    this.halt();
    this.settle?.reject(err);
  }

  private log(event: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.options.log({ time: new Date().toISOString(), event, ...fields });
  }

  private connected(): void {
    this.connection += 1;
    this.admitting.clear();
    this.log('management-connected', { management: formatManagementAddress(this.options.management) });
    void this.reconcile(this.connection);
  }

  /** After a (re)connection: forget clients that left meanwhile; disconnect those the agent never saw, so they come back through it. */
  private async reconcile(connection: number): Promise<void> {
    let listed: ListedClient[];
    try {
      const reply = await this.client.send('status 3');
      listed = parseClientList(reply.kind === 'output' ? reply.lines : []);
    } catch (err) {
      if (connection === this.connection) this.log('reconcile-failed', { reason: (err as Error).message });
      return;
    }
    if (connection !== this.connection) return;
    const present = new Set(listed.map((c) => c.cid));
    for (const cid of this.sessions.keys()) if (!present.has(cid)) this.sessions.delete(cid);
    for (const c of listed) {
      if (this.sessions.has(c.cid) || this.admitting.has(c.cid)) continue;
      const reason = 'connected while the agent was not watching: no certificate serial to recheck';
      await this.command(managementCommand('client-kill', c.cid), { event: 'reconcile', cid: c.cid, cn: c.commonName, verdict: 'unverifiable', reason });
    }
  }

  private onNotification(source: string, text: string): void {
    // An OpenVPN started with --management-hold waits for its management client.
    if (source === 'HOLD') void this.command('hold release', { event: 'hold-release', reason: text });
  }

  private onClient(n: ClientNotification): void {
    switch (n.event) {
      case 'CONNECT':
      case 'REAUTH':
        void this.decide(n, this.connection);
        return;
      case 'ESTABLISHED': {
        this.admitting.delete(n.cid);
        const certificate = certificateFromEnv(n.env);
        if (certificate) {
          this.sessions.set(n.cid, { cid: n.cid, certificate, killed: false });
        } else {
          const reason = 'OpenVPN passed no certificate serial (tls_serial_0) to recheck';
          void this.command(managementCommand('client-kill', n.cid), { event: 'established', cid: n.cid, verdict: 'unverifiable', reason });
        }
        return;
      }
      case 'DISCONNECT':
        this.admitting.delete(n.cid);
        this.sessions.delete(n.cid);
        return;
      default:
        return;
    }
  }

  /** Answers a CONNECT or REAUTH: approve when good (or unanswerable with failOpen), deny otherwise. */
  private async decide(n: Extract<ClientNotification, { event: 'CONNECT' | 'REAUTH' }>, connection: number): Promise<void> {
    this.admitting.add(n.cid);
    const certificate = certificateFromEnv(n.env);
    const verdict = certificate ? await this.verdictOf(certificate) : { kind: 'unknown' as const, reason: 'OpenVPN passed no client certificate serial (tls_serial_0)' };
    const admit = verdict.kind === 'good' || (verdict.kind === 'unanswerable' && this.options.failOpen === true);
    const record = {
      event: n.event.toLowerCase(),
      cid: n.cid,
      kid: n.kid,
      cn: certificate?.commonName ?? n.env.get('common_name') ?? '',
      serial: certificate?.serial.toString(10) ?? '',
      verdict: verdict.kind,
      reason: reasonOf(verdict) + (admit && verdict.kind !== 'good' ? ' (admitted: --fail-open)' : ''),
    };
    if (connection !== this.connection) {
      this.log('decision-dropped', { ...record, reason: `the management connection was lost before the answer; ${record.reason}` });
      return;
    }
    if (!admit) this.admitting.delete(n.cid);
    const reply = admit
      ? managementCommand('client-auth-nt', n.cid, n.kid)
      : managementCommand('client-deny', n.cid, n.kid, `fedca: serial ${record.serial || '?'}: ${record.reason}`, CLIENT_REASON[verdict.kind]);
    await this.command(reply, record);
    // A denied renegotiation leaves the current key alive for up to --tran-window: cut the session now.
    if (n.event === 'REAUTH' && verdict.kind === 'revoked') await this.kill(n.cid, record);
  }

  private async verdictOf(certificate: CertificateToCheck): Promise<Verdict> {
    try {
      const [verdict] = await this.options.statuses.check([certificate]);
      return verdict;
    } catch (err) {
      return { kind: 'unanswerable', reason: (err as Error).message };
    }
  }

  /** Sends a command for a decision and logs the decision with the command and its outcome. */
  private async command(command: string, record: Readonly<Record<string, unknown>> & { readonly event: string }): Promise<boolean> {
    const { event, ...fields } = record;
    try {
      await this.client.send(command);
      this.log(event, { ...fields, action: command.split(' ')[0] });
      return true;
    } catch (err) {
      this.log(event, { ...fields, action: command.split(' ')[0], failed: (err as Error).message });
      return false;
    }
  }

  private async kill(cid: number, record: Readonly<Record<string, unknown>> & { readonly event: string }): Promise<void> {
    const session = this.sessions.get(cid);
    if (session) session.killed = true;
    if (!(await this.command(managementCommand('client-kill', cid), record)) && session) session.killed = false;
  }

  /** Checks every established client again; kills the revoked ones. Skipped while the last round is still running. */
  private async recheck(): Promise<void> {
    if (this.rechecking || !this.client.ready) return;
    const sessions = [...this.sessions.values()].filter((s) => !s.killed);
    if (sessions.length === 0) return;
    this.rechecking = true;
    try {
      let verdicts: Verdict[];
      try {
        verdicts = await this.options.statuses.check(sessions.map((s) => s.certificate));
      } catch (err) {
        verdicts = sessions.map(() => ({ kind: 'unanswerable', reason: (err as Error).message }));
      }
      let problem: string | undefined;
      for (const [i, session] of sessions.entries()) {
        const verdict = verdicts[i];
        if (this.sessions.get(session.cid) !== session) continue;
        const record = { event: 'recheck', cid: session.cid, cn: session.certificate.commonName, serial: session.certificate.serial.toString(10), verdict: verdict.kind, reason: reasonOf(verdict) };
        if (verdict.kind === 'revoked') {
          await this.kill(session.cid, record);
        } else if (verdict.kind === 'unanswerable') {
          problem ??= verdict.reason;
        } else if (verdict.kind === 'unknown' && session.reported !== record.reason) {
          // Not revoked, so it stays; but say so once.
          session.reported = record.reason;
          this.log('recheck', { ...record, action: 'none' });
        }
      }
      if (problem !== this.recheckProblem) {
        this.log(problem ? 'recheck-failed' : 'recheck-recovered', problem ? { reason: `no answer from the CA: ${problem}`, clients: sessions.length } : { clients: sessions.length });
        this.recheckProblem = problem;
      }
    } finally {
      this.rechecking = false;
    }
  }
}
