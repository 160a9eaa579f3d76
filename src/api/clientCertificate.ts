import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { PresentedCertificate } from '../authority/ownCertificate.js';

/**
 * The certificate the client presented over TLS, if any (the server asks, never
 * requires), and whether the handshake verified its chain to the CA's roots.
 * (getPeerCertificate, not getPeerX509Certificate: that one copies the certificate
 * through OpenSSL's decoders again, measured twice the cost.)
 */
export function clientCertificate(req: IncomingMessage): PresentedCertificate | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  return cert && cert.raw && cert.raw.length > 0 ? { der: cert.raw, chainVerified: socket.authorized === true } : undefined;
}

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}
