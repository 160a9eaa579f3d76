import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type Server, type Socket } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet, type Question } from 'dns-packet';

/** The record types a test sets; SOA and NS of each zone apex are answered by the server itself. */
export type TestRecordType = 'A' | 'AAAA' | 'TXT';

/** One query the server received, for tests that check what a client asked. */
export interface SeenQuery {
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

/** DNS header response codes (RFC 1035 §4.1.1). */
const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;
/** The largest UDP answer sent to a client that did not announce a larger one by EDNS (RFC 1035 §4.2.1). */
const CLASSIC_UDP_LIMIT = 512;
/** Queries kept in `queries` (older ones are dropped): the log stays bounded whatever a client sends. */
const MAX_SEEN = 1_000;
/** A TCP client's buffered bytes beyond which it is cut off (two maximal messages). */
const MAX_TCP_BUFFER = 2 * 65_537;
/** Tries to find a port free for both UDP and TCP. */
const PORT_TRIES = 20;

const normalise = (name: string): string => name.toLowerCase().replace(/\.$/, '');

/** A TXT value as the character-strings of at most 255 bytes it is sent as (RFC 1035 §3.3.14). */
function txtStrings(text: string): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 255) out.push(bytes.subarray(at, at + 255));
  return out.length > 0 ? out : [Buffer.alloc(0)];
}

/**
 * A small authoritative DNS server on 127.0.0.1 (UDP and TCP, one port) for tests:
 * it answers A, AAAA and TXT from records the test sets and changes at run time, and
 * SOA and NS (ns1.<zone>, whose A is 127.0.0.1) at each zone apex, so that fedca's
 * dns-01 validator (ValidationPolicy.resolvers = [server.resolver]) and lego
 * (`--dns.resolvers 127.0.0.1:PORT`) can use it. lego 4.9's pre-check asks this server
 * for the TXT record, then (unless `--dns.disable-cp`) walks SOA up to the apex, asks
 * NS, and queries the NS *name* on port 53 through the system's resolver, which does
 * not know ns1.<zone>: run lego with `--dns.disable-cp`.
 * Names under a zone without records get NXDOMAIN (NOERROR when a longer name exists);
 * names outside every zone get REFUSED.
 */
export class TestDnsServer {
  /** Queries in the order received (at most the last 1,000). */
  readonly queries: SeenQuery[] = [];
  /** Names (lower case, no final dot) whose queries are dropped unanswered: a silent server, for deadline tests. */
  readonly unanswered = new Set<string>();
  /** Names whose queries are answered SERVFAIL. */
  readonly failing = new Set<string>();
  private readonly records = new Map<string, string[]>();
  private readonly zones: readonly string[];
  private serial = 1;
  private readonly connections = new Set<Socket>();

  private constructor(
    zones: readonly string[],
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    readonly port: number,
  ) {
    // Longest first, so a name belongs to its closest zone.
    this.zones = zones.map(normalise).sort((a, b) => b.length - a.length);
    udp.on('message', (msg, peer) => this.onUdp(msg, peer));
    tcp.on('connection', (socket) => this.onTcp(socket));
  }

  /** Starts a server authoritative for `zones` on 127.0.0.1:`port` (default: an ephemeral port free for UDP and TCP). */
  static async start(zones: readonly string[], port = 0): Promise<TestDnsServer> {
    for (let i = 0; i < PORT_TRIES; i++) {
      const udp = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, '127.0.0.1', () => resolve());
      });
      const bound = udp.address().port;
      const tcp = createServer();
      const listening = await new Promise<boolean>((resolve) => {
        tcp.once('error', () => resolve(false));
        tcp.listen(bound, '127.0.0.1', () => resolve(true));
      });
      if (listening) {
        // A failed send or a reset client must not take the test process down.
        udp.on('error', () => undefined);
        tcp.on('error', () => undefined);
        return new TestDnsServer(zones, udp, tcp, bound);
      }
      udp.close();
      if (port !== 0) throw new Error(`TCP port ${port} on 127.0.0.1 is taken`);
    }
    throw new Error(`no port free for both UDP and TCP after ${PORT_TRIES} tries`);
  }

  /** '127.0.0.1:PORT': for ValidationPolicy.resolvers and lego's --dns.resolvers. */
  get resolver(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Sets (replaces) the records of one name and type; an empty list removes them. */
  set(name: string, type: TestRecordType, values: readonly string[]): void {
    const key = `${normalise(name)}|${type}`;
    if (values.length === 0) this.records.delete(key);
    else this.records.set(key, [...values]);
    this.serial++;
  }

  /** Sets the A and/or AAAA records of `name` from IP literals (replacing both). */
  setAddresses(name: string, ...addresses: string[]): void {
    this.set(name, 'A', addresses.filter((a) => isIP(a) === 4));
    this.set(name, 'AAAA', addresses.filter((a) => isIP(a) === 6));
  }

  /** Removes every record of `name`. */
  remove(name: string): void {
    for (const type of ['A', 'AAAA', 'TXT'] as const) this.set(name, type, []);
  }

  /** Stops both listeners and drops open TCP connections. */
  async close(): Promise<void> {
    for (const socket of this.connections) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private onUdp(msg: Buffer, peer: RemoteInfo): void {
    const query = this.decode(msg, 'udp');
    if (!query) return;
    let out = dnsPacket.encode(this.answer(query));
    const opt = query.additionals?.find((a) => a.type === 'OPT');
    const limit = Math.max(CLASSIC_UDP_LIMIT, opt && 'udpPayloadSize' in opt ? Number(opt.udpPayloadSize) : 0);
    if (out.length > limit) {
      const truncated = this.answer(query);
      out = dnsPacket.encode({ ...truncated, flags: (truncated.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, answers: [], authorities: [], additionals: [] });
    }
    this.udp.send(out, peer.port, peer.address);
  }

  private onTcp(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    this.connections.add(socket);
    socket.on('close', () => this.connections.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > MAX_TCP_BUFFER) {
        socket.destroy();
        return;
      }
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const message = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + message.length);
        const query = this.decode(message, 'tcp');
        if (query) socket.write(dnsPacket.streamEncode(this.answer(query)));
      }
    });
  }

  /** The query, logged; undefined when it is not one or is to stay unanswered. */
  private decode(msg: Buffer, transport: SeenQuery['transport']): DecodedPacket | undefined {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined;
    }
    const question = query.questions?.[0];
    if (query.type !== 'query' || !question) return undefined;
    this.queries.push({ name: normalise(question.name), type: question.type, transport });
    if (this.queries.length > MAX_SEEN) this.queries.shift();
    return this.unanswered.has(normalise(question.name)) ? undefined : query;
  }

  private answer(query: DecodedPacket): Packet {
    const question = query.questions?.[0] as Question;
    const name = normalise(question.name);
    const reply = (rcode: number, answers: Answer[], authorities: Answer[] = []): Packet => ({
      type: 'response',
      id: query.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | rcode,
      questions: [question],
      answers,
      authorities,
    });
    const zone = this.zones.find((z) => name === z || name.endsWith(`.${z}`));
    if (!zone) return reply(RCODE.REFUSED, []);
    if (this.failing.has(name)) return reply(RCODE.SERVFAIL, []);
    const soa: Answer = {
      type: 'SOA',
      name: zone,
      ttl: 0,
      data: { mname: `ns1.${zone}`, rname: `hostmaster.${zone}`, serial: this.serial, refresh: 3600, retry: 600, expire: 86_400, minimum: 0 },
    };
    const answers = this.recordsOf(name, zone, question.type, soa);
    if (answers.length > 0) return reply(RCODE.NOERROR, answers);
    return reply(this.exists(name, zone) ? RCODE.NOERROR : RCODE.NXDOMAIN, [], [soa]);
  }

  private recordsOf(name: string, zone: string, type: string, soa: Answer): Answer[] {
    if (name === zone && type === 'SOA') return [soa];
    if (name === zone && type === 'NS') return [{ type: 'NS', name, ttl: 0, data: `ns1.${zone}` }];
    if (name === `ns1.${zone}` && type === 'A' && !this.records.has(`${name}|A`)) return [{ type: 'A', name, ttl: 0, data: '127.0.0.1' }];
    if (type !== 'A' && type !== 'AAAA' && type !== 'TXT') return [];
    const values = this.records.get(`${name}|${type}`) ?? [];
    if (type === 'TXT') return values.map((text): Answer => ({ type, name, ttl: 0, data: txtStrings(text) }));
    return values.map((data): Answer => ({ type, name, ttl: 0, data }));
  }

  /** Whether `name` exists in the zone: the apex, ns1, a name with records, or an empty non-terminal above one. */
  private exists(name: string, zone: string): boolean {
    if (name === zone || name === `ns1.${zone}`) return true;
    for (const key of this.records.keys()) {
      const owner = key.slice(0, key.indexOf('|'));
      if (owner === name || owner.endsWith(`.${name}`)) return true;
    }
    return false;
  }
}
