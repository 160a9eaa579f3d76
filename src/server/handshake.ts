import { constants } from 'node:crypto';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { TlsConfig } from '../config/tls.js';

/**
 * How the CA's HTTPS server shakes hands, apart from its certificate and the client
 * CAs it names: ca.json's `tls` (versions, cipher suites, renegotiation), a client
 * certificate asked for but never required (a route that needs one says so), and the
 * choices below, each measured on mTLS renewals. `bench/tlsFloor` serves with the same
 * settings, so that its floor is this server's.
 */
export function handshakeOptions(tls: TlsConfig): Pick<TlsOptions, 'requestCert' | 'rejectUnauthorized'> & SecureContextOptions {
  return {
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
    ...(tls.ciphers === undefined ? {} : { ciphers: tls.ciphers }),
    // A client's chain is trusted once it reaches a certificate of `ca`: the CA's own
    // intermediate ends it, and the intermediate's signature by the root (which this
    // CA made itself) is not checked again on every handshake — one ECDSA verification
    // (~90 µs here) of each mTLS renewal.
    allowPartialTrustChain: true,
    // No session tickets: a CA's clients (step ca renew, the SDK) do not resume sessions,
    // and making two tickets per connection was 7–8% of a renewal's CPU (perf, 2026-11-28).
    secureOptions: constants.SSL_OP_NO_TICKET | (tls.renegotiation ? 0 : constants.SSL_OP_NO_RENEGOTIATION),
  };
}
