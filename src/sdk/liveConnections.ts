import type { X509Certificate } from 'node:crypto';
import type { Server } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { presentedCertificates } from './presentedChain.js';

/** Why a live connection is to be closed, or undefined to keep it. */
export type ConnectionVerdict = (presented: readonly X509Certificate[]) => Promise<string | undefined> | string | undefined;

/**
 * The TLS connections an https server holds open (keep-alive included), so
 * that they can be judged again when what they were accepted under changes: a
 * trust bundle that no longer anchors a client, a client certificate revoked.
 */
export class LiveConnections {
  private readonly sockets = new Set<TLSSocket>();

  constructor(server: Server) {
    server.on('secureConnection', (socket: TLSSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** How many connections are open. */
  get size(): number {
    return this.sockets.size;
  }

  /**
   * Judges every open connection by the chain its client presented and
   * destroys those `verdict` gives a reason for; resolves the reasons, one per
   * closed connection. A connection without a client certificate is judged on
   * an empty chain.
   */
  async recheck(verdict: ConnectionVerdict): Promise<string[]> {
    const reasons: string[] = [];
    await Promise.all(
      [...this.sockets].map(async (socket) => {
        const reason = await verdict(presentedCertificates(socket.getPeerCertificate(true)));
        if (reason === undefined || socket.destroyed) return;
        reasons.push(reason);
        socket.destroy();
      }),
    );
    return reasons;
  }
}
