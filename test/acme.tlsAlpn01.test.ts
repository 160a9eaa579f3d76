import assert from 'node:assert/strict';
import { createServer as createTcpServer } from 'node:net';
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { ChallengeFailure } from '../src/authority/acme/challenges/failure.js';
import { ACME_TLS_ALPN, alpnServerName } from '../src/authority/acme/challenges/tlsAlpn01.js';
import { checkAlpnCertificate } from '../src/authority/acme/challenges/tlsAlpn01Certificate.js';
import { validateChallenge, type AcmeIdentifier, type ChallengeAttempt, type ValidationPolicy } from '../src/authority/acme/challenges/validation.js';
import { alpnCertificate, assertChallengeFailure, challengeAttempt, challengeResponders, type AlpnCertificateOptions } from './helpers/acmeChallenge.js';
import { closedPort } from './helpers/ports.js';

describe('ACME tls-alpn-01 validation', () => {
  const responders = challengeResponders();
  const { listen } = responders;

  /** A tls-alpn-01 responder presenting a certificate for `attempt`; records the SNI it was asked for. */
  async function responder(
    attempt: ChallengeAttempt,
    options: AlpnCertificateOptions & { protocols?: string[]; host?: string } = {},
  ): Promise<{ port: number; sni: string[] }> {
    const { certPem, keyPem } = alpnCertificate(attempt.identifier, attempt.keyAuthorization, options);
    const sni: string[] = [];
    const context = createSecureContext({ cert: certPem, key: keyPem });
    // The SNI is seen during the handshake: the validator closes as soon as it has the certificate.
    const server = createTlsServer(
      {
        cert: certPem,
        key: keyPem,
        ALPNProtocols: options.protocols ?? [ACME_TLS_ALPN],
        SNICallback: (name, done) => {
          sni.push(name);
          done(null, context);
        },
      },
      (socket: TLSSocket) => socket.end(),
    );
    server.on('tlsClientError', () => undefined);
    return { port: await listen(server, options.host), sni };
  }

  const policy = (tlsPort: number, more: Partial<ValidationPolicy> = {}): ValidationPolicy => ({
    allowLoopback: true,
    timeoutMs: 5_000,
    resolvers: [responders.dns().resolver],
    tlsPort,
    ...more,
  });

  const ip4: AcmeIdentifier = { type: 'ip', value: '127.0.0.1' };

  it('passes for a DNS identifier, with SNI the name and the address from the configured resolver', async () => {
    responders.dns().setAddresses('alpn.example.test', '127.0.0.1');
    const attempt = await challengeAttempt('tls-alpn-01', { type: 'dns', value: 'alpn.example.test' });
    const { port, sni } = await responder(attempt);
    await validateChallenge(attempt, policy(port));
    assert.deepEqual(sni, ['alpn.example.test']);
  });

  it('passes for IP identifiers, with SNI the reverse-DNS name (RFC 8738 §6)', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const { port, sni } = await responder(attempt);
    await validateChallenge(attempt, policy(port));
    assert.deepEqual(sni, ['1.0.0.127.in-addr.arpa']);

    const v6 = await challengeAttempt('tls-alpn-01', { type: 'ip', value: '::1' });
    const six = await responder(v6, { host: '::1' });
    await validateChallenge(v6, policy(six.port));
    assert.deepEqual(six.sni, [`1.${'0.'.repeat(31)}ip6.arpa`]);
    assert.equal(alpnServerName({ type: 'ip', value: '2001:db8::567:89ab' }), 'b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa');
  });

  it('fails with incorrectResponse when id-pe-acmeIdentifier holds another digest', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const { port } = await responder(attempt, { digest: Buffer.alloc(32, 7) });
    await assertChallengeFailure(
      validateChallenge(attempt, policy(port)),
      'incorrectResponse',
      new RegExp(`^the tls-alpn-01 certificate from 127\\.0\\.0\\.1:${port} holds id-pe-acmeIdentifier "${'07'.repeat(32)}", expected SHA-256 of the key authorization "[0-9a-f]{64}"$`),
    );
  });

  it('fails with incorrectResponse when id-pe-acmeIdentifier is missing or not critical', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const missing = await responder(attempt, { digest: null });
    await assertChallengeFailure(validateChallenge(attempt, policy(missing.port)), 'incorrectResponse', /has no id-pe-acmeIdentifier extension \(1\.3\.6\.1\.5\.5\.7\.1\.31\)$/);
    const lax = await responder(attempt, { critical: false });
    await assertChallengeFailure(validateChallenge(attempt, policy(lax.port)), 'incorrectResponse', /has an id-pe-acmeIdentifier extension that is not critical$/);
  });

  it('fails with incorrectResponse unless the certificate names the identifier alone', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const two = await responder(attempt, { names: ['127.0.0.1', 'other.example.test'] });
    await assertChallengeFailure(
      validateChallenge(attempt, policy(two.port)),
      'incorrectResponse',
      /must name 127\.0\.0\.1 alone in its subjectAltName, not dns:other\.example\.test, ip:127\.0\.0\.1$/,
    );
    const other = await responder(attempt, { names: ['127.0.0.2'] });
    await assertChallengeFailure(validateChallenge(attempt, policy(other.port)), 'incorrectResponse', /alone in its subjectAltName, not ip:127\.0\.0\.2$/);
  });

  it('fails with tls when the responder does not negotiate acme-tls/1', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const other = await responder(attempt, { protocols: ['h2', 'http/1.1'] });
    await assertChallengeFailure(validateChallenge(attempt, policy(other.port)), 'tls', new RegExp(`^127\\.0\\.0\\.1:${other.port} does not speak ALPN acme-tls/1$`));
    const none = await responder(attempt, { protocols: [] });
    await assertChallengeFailure(
      validateChallenge(attempt, policy(none.port)),
      'tls',
      new RegExp(`^127\\.0\\.0\\.1:${none.port} did not negotiate ALPN acme-tls/1 \\(negotiated none\\)$`),
    );
  });

  it('fails with tls when the peer is not a TLS server', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const port = await listen(createTcpServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'tls', new RegExp(`^TLS handshake with 127\\.0\\.0\\.1:${port} failed: `));
  });

  it('fails with connection when nothing listens', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const port = await closedPort();
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'connection', new RegExp(`^connection refused at 127\\.0\\.0\\.1:${port}$`));
  });

  it('refuses loopback without allowLoopback (rejectedIdentifier), without a handshake', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const { port, sni } = await responder(attempt);
    await assertChallengeFailure(
      validateChallenge(attempt, policy(port, { allowLoopback: false })),
      'rejectedIdentifier',
      /^127\.0\.0\.1 is a loopback address and is not contacted for validation$/,
    );
    assert.deepEqual(sni, []);
  });

  it('fails at the deadline when the server accepts and never speaks TLS', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', ip4);
    const port = await listen(createTcpServer(() => undefined));
    await assertChallengeFailure(
      validateChallenge(attempt, policy(port, { timeoutMs: 300 })),
      'connection',
      new RegExp(`^no answer from 127\\.0\\.0\\.1:${port} \\(tls-alpn-01 handshake\\) within 300 ms$`),
    );
  });

  it('refuses a wildcard identifier (malformed): wildcards are validated by dns-01 only', async () => {
    const attempt = await challengeAttempt('tls-alpn-01', { type: 'dns', value: '*.example.test' });
    await assertChallengeFailure(validateChallenge(attempt, policy(await closedPort())), 'malformed', /^tls-alpn-01 cannot validate the wildcard \*\.example\.test$/);
  });
});

describe('tls-alpn-01 certificate check', () => {
  it('says a certificate that is not DER is unreadable (incorrectResponse)', () => {
    assert.throws(
      () => checkAlpnCertificate(Buffer.from([0x30, 0x03, 0x02, 0x01]), { type: 'ip', value: '127.0.0.1' }, 'a.b', '127.0.0.1:443'),
      (err: unknown) => err instanceof ChallengeFailure && err.problemType === 'incorrectResponse' && /^the tls-alpn-01 certificate from 127\.0\.0\.1:443 is not a readable certificate/.test(err.message),
    );
  });
});
