/**
 * The output side of OpenVPN's management interface (doc/management-notes.txt,
 * "OUTPUT FORMAT" and "The CLIENT notification"), parsed incrementally: feed it
 * what the socket delivers, in any chunks, and it returns whole events.
 */

/** The environment a CLIENT notification carries (`>CLIENT:ENV,name=value`). */
export type ClientEnv = ReadonlyMap<string, string>;

/** A `>CLIENT:` notification, whole: the header line and, for the multi-line kinds, its ENV block. */
export type ClientNotification =
  | { readonly event: 'CONNECT' | 'REAUTH'; readonly cid: number; readonly kid: number; readonly env: ClientEnv }
  | { readonly event: 'ESTABLISHED' | 'DISCONNECT'; readonly cid: number; readonly env: ClientEnv }
  | { readonly event: 'CR_RESPONSE'; readonly cid: number; readonly kid: number; readonly response: string; readonly env: ClientEnv }
  | { readonly event: 'ADDRESS'; readonly cid: number; readonly address: string; readonly primary: boolean };

/** One thing OpenVPN said. */
export type ManagementEvent =
  /** `ENTER PASSWORD:`, sent without a line end when `--management` has a password file. */
  | { readonly kind: 'password-prompt' }
  /** A command's one-line reply: `SUCCESS: text` or `ERROR: text`. */
  | { readonly kind: 'success' | 'error'; readonly text: string }
  /** A command's multi-line reply, without its closing `END`. */
  | { readonly kind: 'output'; readonly lines: readonly string[] }
  /** A real-time message other than CLIENT: `>LOG:...`, `>STATE:...`, `>INFO:...`, `>HOLD:...`. */
  | { readonly kind: 'notification'; readonly source: string; readonly text: string }
  | ({ readonly kind: 'client' } & ClientNotification)
  /** A line that breaks the protocol (an ENV line outside a block, a block cut by another); `line` as received. */
  | { readonly kind: 'protocol-error'; readonly message: string; readonly line: string };

const PASSWORD_PROMPT = 'ENTER PASSWORD:';
const REAL_TIME = /^>([A-Z0-9_-]+):(.*)$/;
const ID = /^\d{1,10}$/;

type BlockHeader =
  | { readonly event: 'CONNECT' | 'REAUTH'; readonly cid: number; readonly kid: number }
  | { readonly event: 'ESTABLISHED' | 'DISCONNECT'; readonly cid: number }
  | { readonly event: 'CR_RESPONSE'; readonly cid: number; readonly kid: number; readonly response: string }
  /** A CLIENT type this parser does not know: its ENV lines are swallowed, the header reported as a notification. */
  | { readonly event: 'other'; readonly text: string };

/** Parses the fields after `>CLIENT:`; undefined when they are malformed. */
function clientHeader(text: string): BlockHeader | { readonly event: 'ADDRESS'; readonly cid: number; readonly address: string; readonly primary: boolean } | undefined {
  const [event, ...fields] = text.split(',');
  const ids = (n: number): number[] | undefined => (fields.length >= n && fields.slice(0, n).every((f) => ID.test(f)) ? fields.slice(0, n).map(Number) : undefined);
  switch (event) {
    case 'CONNECT':
    case 'REAUTH': {
      const [cid, kid] = ids(2) ?? [];
      return kid === undefined || fields.length !== 2 ? undefined : { event, cid, kid };
    }
    case 'ESTABLISHED':
    case 'DISCONNECT': {
      const [cid] = ids(1) ?? [];
      return cid === undefined || fields.length !== 1 ? undefined : { event, cid };
    }
    case 'CR_RESPONSE': {
      const [cid, kid] = ids(2) ?? [];
      return kid === undefined || fields.length !== 3 ? undefined : { event, cid, kid, response: fields[2] };
    }
    case 'ADDRESS': {
      const [cid] = ids(1) ?? [];
      return cid === undefined || fields.length !== 3 ? undefined : { event, cid, address: fields[1], primary: fields[2] === '1' };
    }
    default:
      return { event: 'other', text };
  }
}

/**
 * An incremental parser of what OpenVPN writes on its management socket.
 * Lines end in `\n` (OpenVPN writes `\r\n`); real-time `>` messages may come
 * between the lines of a multi-line reply and are reported on their own; a
 * CLIENT block is reported once its `>CLIENT:ENV,END` arrives, never in part.
 */
export class ManagementParser {
  private partial = '';
  private block?: { readonly header: BlockHeader; readonly env: Map<string, string>; readonly line: string };
  private output: string[] = [];

  /** Parses the next chunk; returns the events it completes, in order. */
  feed(chunk: string): ManagementEvent[] {
    const events: ManagementEvent[] = [];
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) this.line(raw.endsWith('\r') ? raw.slice(0, -1) : raw, events);
    // The password prompt is the one thing OpenVPN writes without a line end.
    if (this.partial === PASSWORD_PROMPT) {
      this.partial = '';
      events.push({ kind: 'password-prompt' });
    }
    return events;
  }

  /** Forgets everything half-received (the connection dropped): a partial line, block or reply. */
  reset(): void {
    this.partial = '';
    this.block = undefined;
    this.output = [];
  }

  private line(line: string, events: ManagementEvent[]): void {
    if (line.startsWith('>')) {
      this.realTime(line, events);
    } else if (line.startsWith('SUCCESS:') || line.startsWith('ERROR:')) {
      const success = line.startsWith('SUCCESS:');
      events.push({ kind: success ? 'success' : 'error', text: line.slice(success ? 8 : 6).trim() });
    } else if (line === PASSWORD_PROMPT) {
      events.push({ kind: 'password-prompt' });
    } else if (line === 'END') {
      events.push({ kind: 'output', lines: this.output });
      this.output = [];
    } else {
      this.output.push(line);
    }
  }

  private realTime(line: string, events: ManagementEvent[]): void {
    const m = REAL_TIME.exec(line);
    if (!m) {
      events.push({ kind: 'protocol-error', message: 'malformed real-time message', line });
      return;
    }
    const [, source, text] = m;
    if (source !== 'CLIENT') {
      events.push({ kind: 'notification', source, text });
      return;
    }
    if (text.startsWith('ENV,')) {
      this.env(text.slice(4), line, events);
      return;
    }
    const header = clientHeader(text);
    if (!header) {
      events.push({ kind: 'protocol-error', message: 'malformed CLIENT notification', line });
      return;
    }
    this.closeUnterminated(events);
    if (header.event === 'ADDRESS') events.push({ kind: 'client', ...header });
    else this.block = { header, env: new Map(), line };
  }

  /** A header while a block is open: a known block cut short is an error (and dropped); an unknown one-line type is a notification. */
  private closeUnterminated(events: ManagementEvent[]): void {
    const open = this.block;
    if (!open) return;
    this.block = undefined;
    if (open.header.event === 'other' && open.env.size === 0) events.push({ kind: 'notification', source: 'CLIENT', text: open.header.text });
    else events.push({ kind: 'protocol-error', message: 'CLIENT block without >CLIENT:ENV,END', line: open.line });
  }

  private env(assignment: string, line: string, events: ManagementEvent[]): void {
    const open = this.block;
    if (!open) {
      events.push({ kind: 'protocol-error', message: 'CLIENT ENV line outside a CLIENT block', line });
      return;
    }
    if (assignment !== 'END') {
      const at = assignment.indexOf('=');
      open.env.set(at < 0 ? assignment : assignment.slice(0, at), at < 0 ? '' : assignment.slice(at + 1));
      return;
    }
    this.block = undefined;
    const { header, env } = open;
    if (header.event === 'other') events.push({ kind: 'notification', source: 'CLIENT', text: header.text });
    else events.push({ kind: 'client', ...header, env });
  }
}
