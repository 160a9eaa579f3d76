import { createServer, type Server } from 'node:https';
import type { ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { miniPki, type MiniPki } from './miniPki.js';

/** How a stand-in peer answers `GET /roots`. */
export type RootsBehaviour =
  /** `{"crts": roots()}` at once. */
  | { readonly kind: 'answer'; readonly roots: () => readonly string[] }
  /** A 200 head, then the JSON one byte a second. */
  | { readonly kind: 'trickle' }
  /** Reads the request and never answers. */
  | { readonly kind: 'silent' }
  /** A 200 head, then `bytes` of JSON as fast as the socket takes them. */
  | { readonly kind: 'flood'; readonly bytes: number };

/** A federation peer on 127.0.0.1 run by the test: a real root and TLS chain, `/roots` as the test says. */
export interface StandInPeer {
  readonly url: string;
  readonly pki: MiniPki;
  /** How many `GET /roots` it received. */
  rootsRequests(): number;
  stop(): Promise<void>;
}

/**
 * Starts a peer CA stand-in named `name`: `GET /root/<its fingerprint>` answers its
 * root (so the pinned first contact works), `GET /roots` behaves as `behaviour`.
 */
export async function standInPeer(name: string, behaviour: RootsBehaviour): Promise<StandInPeer> {
  const pki = miniPki(name);
  const identity = pki.serverIdentity(['localhost']);
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let rootsRequests = 0;
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer({ key: identity.keyPem, cert: identity.chainPem }, (req, res) => {
    if (req.url === `/root/${pki.rootFingerprint}`) return json(res, 200, { ca: pki.rootPem });
    if (req.url !== '/roots') return json(res, 404, { status: 404, message: 'not found' });
    rootsRequests++;
    switch (behaviour.kind) {
      case 'answer':
        return json(res, 200, { crts: behaviour.roots() });
      case 'silent':
        return;
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const body = JSON.stringify({ crts: [pki.rootPem] });
        let at = 0;
        const timer = setInterval(() => {
          if (at < body.length && !res.destroyed) res.write(body[at++]);
        }, 1000);
        timers.add(timer);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case 'flood': {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < behaviour.bytes && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end(JSON.stringify({ crts: [pki.rootPem] }));
        };
        return pump();
      }
    }
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    pki,
    rootsRequests: () => rootsRequests,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
