import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import { requestCa } from '../src/sdk/caRequest.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { until } from './helpers/wait.js';

/** Opens a TLS connection to the test CA and writes `head` (a request that never completes). */
function halfRequest(ca: TestCa, head: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: ca.port, servername: 'localhost', ca: ca.rootPem }, () => {
      socket.write(head);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Issue 10: clients that hang up, stall or never finish cost a log line at most, and no connection hangs. */
describe('connections', () => {
  let ca: TestCa;

  before(async () => {
    ca = await startTestCa({ server: { timeouts: { headersTimeout: 1_000, requestTimeout: 1_500, connectionsCheckingInterval: 200 } } });
  });
  after(async () => ca.stop());

  describe('a client that goes away mid-request', () => {
    const original = console.error;
    let lines: string[] = [];
    beforeEach(() => {
      lines = [];
      console.error = (...args: unknown[]) => lines.push(args.map(String).join(' '));
    });
    afterEach(() => {
      console.error = original;
    });

    for (const path of ['/1.0/sign', '/1.0/revoke']) {
      it(`is one info-level line without a stack (${path})`, async () => {
        // "Expect: 100-continue": the server's "100 Continue" says it is reading this request's body.
        const socket = await halfRequest(ca, `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n`);
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString()));
        await until(() => answer.startsWith('HTTP/1.1 100 Continue'), 'the server to take the request');
        socket.write('{"csr":"');
        socket.destroy();
        await until(() => lines.some((l) => l.includes('client went away')), 'the log line');
        assert.equal(lines.length, 1, lines.join('\n'));
        const entry = JSON.parse(lines[0]) as Record<string, unknown>;
        assert.deepEqual(entry, { level: 'info', msg: 'client went away mid-request', method: 'POST', path });
      });
    }
  });

  it('a request whose body never completes is cut at requestTimeout', async () => {
    const socket = await halfRequest(ca, 'POST /1.0/sign HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    let closed = false;
    socket.on('close', () => (closed = true));
    await until(() => closed, 'the server to close the stalled connection');
    assert.match(answer, /^HTTP\/1\.1 408/);
  });

  it('headers that never complete are cut at headersTimeout', async () => {
    const socket = await halfRequest(ca, 'GET /health HTTP/1.1\r\nHost: local');
    socket.resume();
    let closed = false;
    socket.on('close', () => (closed = true));
    await until(() => closed, 'the server to close the connection');
  });

  describe('the SDK', () => {
    let trickler: Server;
    let port: number;
    let timer: NodeJS.Timeout | undefined;

    before(async () => {
      const cert = ca.server.certificate();
      assert.ok(cert);
      // A server (posing as a CA) that answers its head, then one byte every 100 ms, for ever.
      trickler = createServer({ key: cert.keyPem, cert: cert.chainPem }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        timer = setInterval(() => res.write(' '), 100);
        res.on('close', () => clearInterval(timer));
      });
      await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
      port = (trickler.address() as AddressInfo).port;
    });
    after(async () => {
      clearInterval(timer);
      trickler.closeAllConnections();
      await new Promise<void>((resolve) => trickler.close(() => resolve()));
    });

    it('gives up on an answer that trickles: the timeout is a deadline, not an idle timer', async () => {
      const agent = new Agent({ ca: ca.rootPem, keepAlive: false });
      try {
        await assert.rejects(requestCa(new URL(`https://localhost:${port}/roots`), { agent, timeoutMs: 800 }), /GET \/roots to https:\/\/localhost:\d+ timed out after 800 ms/);
      } finally {
        agent.destroy();
      }
    });
  });
});
