import type { Request } from 'express';
import type { TLSSocket } from 'node:tls';

/** The DER of the certificate the client presented over TLS, if any (the server asks, never requires). */
export function clientCertificate(req: Request): Buffer | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const cert = socket.getPeerCertificate();
  return cert && cert.raw && cert.raw.length > 0 ? cert.raw : undefined;
}

/** The bearer token of an `Authorization: Bearer …` header, if any. */
export function bearerToken(req: Request): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
  return m?.[1];
}
