/**
 * The floor of a renewal in Node, for `npm run bench:step-ca`: a node:https server that
 * shakes hands as fedca's does (src/server/handshake.ts, default `tls`; client certificates
 * checked against the CA's root and intermediate) and does no CA work at all: it
 * reads the peer certificate, as fedca does, and answers 201 with a body of a renewal's size.
 * What it costs per fresh mTLS connection is what node:https and OpenSSL cost before any of
 * fedca's code runs. Run as its own process: `node server.js KEY_FILE CHAIN_FILE CA_FILE`;
 * prints "listening on 127.0.0.1:PORT" on stderr, as `fedca start` does.
 *
 * Given a fedca home as a fourth argument it also answers POST /1.0/sign as the sign floor
 * (signWork.ts). FLOOR_WORKERS (default 1) serves from that many processes, handed
 * connections as fedca's workers are (src/server/workers.ts), to compare with fedca's layout.
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { DEFAULT_TLS } from '../../src/config/tls.js';
import { handshakeOptions } from '../../src/server/handshake.js';
import { connectionScheduling } from '../../src/server/workers.js';
import { signFloorHandler } from './signWork.js';

const [keyFile, chainFile, caFile, home] = process.argv.slice(2);
const WORKERS = Number(process.env.FLOOR_WORKERS ?? 1);
/** About the size of a renewal's JSON answer (leaf and intermediate PEM, twice). */
const ANSWER = JSON.stringify({ crt: 'c'.repeat(900), ca: 'i'.repeat(750), certChain: ['c'.repeat(900), 'i'.repeat(750)] });

function serve(): void {
  const signFloor = home ? signFloorHandler(home) : undefined;
  const server = createServer(
    {
      ...handshakeOptions(DEFAULT_TLS),
      key: readFileSync(keyFile),
      cert: readFileSync(chainFile),
      ca: readFileSync(caFile),
    },
    (req, res) => {
      if (signFloor && req.url === '/1.0/sign') return signFloor(req, res);
      const socket = req.socket as TLSSocket;
      const presented = socket.getPeerCertificate().raw;
      const status = socket.authorized && presented !== undefined ? 201 : 401;
      req.resume();
      req.on('end', () => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(ANSWER) });
        res.end(ANSWER);
      });
    },
  );
  server.listen(0, '127.0.0.1', () => {
    const line = `listening on 127.0.0.1:${(server.address() as AddressInfo).port}\n`;
    if (cluster.isWorker) process.send?.(line);
    else process.stderr.write(line);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

if (cluster.isPrimary && WORKERS > 1) {
  cluster.schedulingPolicy = connectionScheduling();
  let listening = 0;
  cluster.on('message', (_worker, line: string) => {
    if (++listening === WORKERS) process.stderr.write(line);
  });
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  serve();
}
