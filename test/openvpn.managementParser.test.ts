import assert from 'node:assert/strict';
import { parseClientList } from '../src/openvpn/clientList.js';
import { formatManagementAddress, parseManagementAddress } from '../src/openvpn/managementAddress.js';
import { managementCommand, quoteArgument } from '../src/openvpn/managementCommand.js';
import { ManagementParser, type ManagementEvent } from '../src/openvpn/managementParser.js';

/** Lines as OpenVPN writes them: each ends in CRLF. */
const crlf = (...lines: string[]): string => lines.map((l) => l + '\r\n').join('');

/** Feeds `text` in pieces of `size` characters (1 = byte by byte) and collects every event. */
function parse(text: string, size = text.length, parser = new ManagementParser()): ManagementEvent[] {
  const events: ManagementEvent[] = [];
  for (let at = 0; at < text.length; at += size) events.push(...parser.feed(text.slice(at, at + size)));
  return events;
}

/** A CLIENT:CONNECT block as management-notes.txt shows it, for a certificate with this serial. */
const connectBlock = (cid: number, kid: number, serial: string): string[] => [
  `>CLIENT:CONNECT,${cid},${kid}`,
  '>CLIENT:ENV,untrusted_ip=127.0.0.1',
  '>CLIENT:ENV,common_name=alice',
  `>CLIENT:ENV,tls_serial_0=${serial}`,
  '>CLIENT:ENV,tls_id_1=O=Test, CN=Test Intermediate CA',
  '>CLIENT:ENV,X509_1_CN=Test Intermediate CA',
  '>CLIENT:ENV,password=',
  '>CLIENT:ENV,END',
];

describe('OpenVPN management protocol parser', () => {
  it('the password prompt (no line end), its SUCCESS and the >INFO greeting', () => {
    const parser = new ManagementParser();
    assert.deepEqual(parser.feed('ENTER PASS'), []);
    assert.deepEqual(parser.feed('WORD:'), [{ kind: 'password-prompt' }]);
    assert.deepEqual(parser.feed(crlf('SUCCESS: password is correct', ">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info")), [
      { kind: 'success', text: 'password is correct' },
      { kind: 'notification', source: 'INFO', text: "OpenVPN Management Interface Version 5 -- type 'help' for more info" },
    ]);
  });

  it('a CLIENT block with >LOG:, >STATE: and >BYTECOUNT_CLI: lines around it, whole however the bytes are split', () => {
    const transcript = crlf(
      '>LOG:1101519562,I,MULTI: new connection by client',
      '>BYTECOUNT_CLI:3,12345,67890',
      ...connectBlock(4, 1, '278225648847510020489149901324229477366779409863'),
      '>STATE:1101519562,CONNECTED,SUCCESS,10.8.0.1,,,127.0.0.1,1194',
      '>BYTECOUNT_CLI:4,0,0',
    );
    const expected: ManagementEvent[] = [
      { kind: 'notification', source: 'LOG', text: '1101519562,I,MULTI: new connection by client' },
      { kind: 'notification', source: 'BYTECOUNT_CLI', text: '3,12345,67890' },
      {
        kind: 'client',
        event: 'CONNECT',
        cid: 4,
        kid: 1,
        env: new Map([
          ['untrusted_ip', '127.0.0.1'],
          ['common_name', 'alice'],
          ['tls_serial_0', '278225648847510020489149901324229477366779409863'],
          ['tls_id_1', 'O=Test, CN=Test Intermediate CA'],
          ['X509_1_CN', 'Test Intermediate CA'],
          ['password', ''],
        ]),
      },
      { kind: 'notification', source: 'STATE', text: '1101519562,CONNECTED,SUCCESS,10.8.0.1,,,127.0.0.1,1194' },
      { kind: 'notification', source: 'BYTECOUNT_CLI', text: '4,0,0' },
    ];
    assert.deepEqual(parse(transcript), expected);
    assert.deepEqual(parse(transcript, 1), expected);
    assert.deepEqual(parse(transcript, 7), expected);
  });

  it('real-time lines inside a CLIENT block are reported on their own, the block stays whole', () => {
    const [header, ...rest] = connectBlock(0, 1, '42');
    const events = parse(crlf(header, '>LOG:1101519562,W,late log line', ...rest));
    assert.deepEqual(
      events.map((e) => e.kind),
      ['notification', 'client'],
    );
    assert.equal(events[1].kind === 'client' && events[1].event === 'CONNECT' && events[1].env.get('tls_serial_0'), '42');
  });

  it('ESTABLISHED, DISCONNECT, REAUTH, CR_RESPONSE and the one-line ADDRESS', () => {
    const events = parse(
      crlf(
        '>CLIENT:ADDRESS,4,10.8.0.2,1',
        '>CLIENT:ESTABLISHED,4',
        '>CLIENT:ENV,time_ascii=2026-11-22 17:58:41',
        '>CLIENT:ENV,END',
        '>CLIENT:REAUTH,4,2',
        '>CLIENT:ENV,tls_serial_0=42',
        '>CLIENT:ENV,END',
        '>CLIENT:CR_RESPONSE,4,2,SGFsbG8gV2VsdCE=',
        '>CLIENT:ENV,END',
        '>CLIENT:DISCONNECT,4',
        '>CLIENT:ENV,bytes_received=2060',
        '>CLIENT:ENV,END',
      ),
    );
    assert.deepEqual(events, [
      { kind: 'client', event: 'ADDRESS', cid: 4, address: '10.8.0.2', primary: true },
      { kind: 'client', event: 'ESTABLISHED', cid: 4, env: new Map([['time_ascii', '2026-11-22 17:58:41']]) },
      { kind: 'client', event: 'REAUTH', cid: 4, kid: 2, env: new Map([['tls_serial_0', '42']]) },
      { kind: 'client', event: 'CR_RESPONSE', cid: 4, kid: 2, response: 'SGFsbG8gV2VsdCE=', env: new Map() },
      { kind: 'client', event: 'DISCONNECT', cid: 4, env: new Map([['bytes_received', '2060']]) },
    ]);
  });

  it('SUCCESS: and ERROR: replies', () => {
    assert.deepEqual(parse(crlf('SUCCESS: client-auth command succeeded', 'ERROR: client-kill command failed')), [
      { kind: 'success', text: 'client-auth command succeeded' },
      { kind: 'error', text: 'client-kill command failed' },
    ]);
  });

  it('multi-line output ends at END, with real-time lines taken out of it', () => {
    const events = parse(
      crlf(
        'TITLE\tOpenVPN 2.6.14',
        'HEADER\tCLIENT_LIST\tCommon Name\tReal Address',
        '>LOG:1101519562,I,interleaved',
        'CLIENT_LIST\talice\t127.0.0.1:5000',
        'END',
      ),
      5,
    );
    assert.deepEqual(events, [
      { kind: 'notification', source: 'LOG', text: '1101519562,I,interleaved' },
      { kind: 'output', lines: ['TITLE\tOpenVPN 2.6.14', 'HEADER\tCLIENT_LIST\tCommon Name\tReal Address', 'CLIENT_LIST\talice\t127.0.0.1:5000'] },
    ]);
  });

  it('a socket dropped mid-block never yields the half block', () => {
    const parser = new ManagementParser();
    const block = crlf(...connectBlock(7, 1, '42'));
    assert.deepEqual(parse(block.slice(0, block.indexOf('tls_serial_0') + 5), 3, parser), []);
    parser.reset();
    const events = parse(crlf('>INFO:OpenVPN Management Interface Version 5', ...connectBlock(8, 1, '43')), 4, parser);
    assert.deepEqual(
      events.map((e) => (e.kind === 'client' && e.event === 'CONNECT' ? `${e.cid}:${e.env.get('tls_serial_0')}` : e.kind)),
      ['notification', '8:43'],
    );
  });

  it('a block cut short by another, or ENV lines outside any block, are protocol errors, not events', () => {
    const events = parse(crlf('>CLIENT:CONNECT,1,1', '>CLIENT:ENV,tls_serial_0=1', ...connectBlock(2, 1, '2'), '>CLIENT:ENV,stray=1', '>CLIENT:CONNECT,x,1'));
    assert.deepEqual(
      events.map((e) => (e.kind === 'client' ? `client ${e.cid}` : e.kind === 'protocol-error' ? e.message : e.kind)),
      ['CLIENT block without >CLIENT:ENV,END', 'client 2', 'CLIENT ENV line outside a CLIENT block', 'malformed CLIENT notification'],
    );
  });

  it('an ENV value keeps its = and , characters', () => {
    const [event] = parse(crlf('>CLIENT:ESTABLISHED,1', '>CLIENT:ENV,tls_id_0=C=FR, O=a=b, CN=x', '>CLIENT:ENV,END'));
    assert.equal(event.kind === 'client' && event.event === 'ESTABLISHED' && event.env.get('tls_id_0'), 'C=FR, O=a=b, CN=x');
  });
});

/** The lexer of management-notes.txt "Command Parsing" (double quotes; \\ and \" escapes), to read back what was quoted. */
function lex(line: string): string[] {
  const out: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && i + 1 < line.length) {
      current = (current ?? '') + line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      current ??= '';
    } else if (/\s/.test(c) && !quoted) {
      if (current !== undefined) out.push(current);
      current = undefined;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== undefined) out.push(current);
  return out;
}

describe('OpenVPN management commands', () => {
  it('quotes arguments so the config-file lexer reads them back as one parameter each', () => {
    const reason = 'serial 42 of "alice" is revoked: C:\\keys\\alice';
    const line = managementCommand('client-deny', 4, 1, reason, '');
    assert.equal(line, 'client-deny 4 1 "serial 42 of \\"alice\\" is revoked: C:\\\\keys\\\\alice" ""');
    assert.deepEqual(lex(line), ['client-deny', '4', '1', reason, '']);
  });

  it('keeps a reason on one line and within OpenVPN\'s parameter size', () => {
    assert.equal(quoteArgument('a\r\nclient-kill 1\tb'), '"a  client-kill 1 b"');
    const long = lex(quoteArgument('x'.repeat(1000)))[0];
    assert.ok(long.length <= 200 && long.endsWith('...'));
  });

  it('reads the client list of status 3 by its header', () => {
    const lines = [
      'TITLE\tOpenVPN 2.6.14 x86_64-pc-linux-gnu',
      'TIME\t2026-11-22 17:58:57\t1795370337',
      'HEADER\tCLIENT_LIST\tCommon Name\tReal Address\tVirtual Address\tVirtual IPv6 Address\tBytes Received\tBytes Sent\tConnected Since\tConnected Since (time_t)\tUsername\tClient ID\tPeer ID\tData Channel Cipher',
      'CLIENT_LIST\talice\t127.0.0.1:57065\t10.8.0.2\t\t2060\t1986\t2026-11-22 17:58:54\t1795370334\tUNDEF\t2\t0\tAES-256-GCM',
      'CLIENT_LIST\tbob, jr\t127.0.0.1:57066\t10.8.0.3\t\t2060\t1986\t2026-11-22 17:58:54\t1795370334\tUNDEF\t17\t1\tAES-256-GCM',
      'HEADER\tROUTING_TABLE\tVirtual Address\tCommon Name\tReal Address\tLast Ref\tLast Ref (time_t)',
      'ROUTING_TABLE\t10.8.0.2\talice\t127.0.0.1:57065\t2026-11-22 17:58:55\t1795370335',
      'GLOBAL_STATS\tMax bcast/mcast queue length\t0',
    ];
    assert.deepEqual(parseClientList(lines), [
      { cid: 2, commonName: 'alice' },
      { cid: 17, commonName: 'bob, jr' },
    ]);
    assert.throws(() => parseClientList(['TITLE\tOpenVPN']), /no CLIENT_LIST header/);
  });

  it('management addresses: HOST:PORT, [IPv6]:PORT, unix:PATH', () => {
    assert.deepEqual(parseManagementAddress('127.0.0.1:7505'), { host: '127.0.0.1', port: 7505 });
    assert.deepEqual(parseManagementAddress('[::1]:7505'), { host: '::1', port: 7505 });
    assert.deepEqual(parseManagementAddress('unix:/run/openvpn/server.sock'), { path: '/run/openvpn/server.sock' });
    assert.equal(formatManagementAddress({ host: '::1', port: 7505 }), '[::1]:7505');
    for (const bad of ['7505', 'localhost', 'host:0', 'host:70000', 'unix:', '::1:7505']) assert.throws(() => parseManagementAddress(bad), TypeError, bad);
  });
});
