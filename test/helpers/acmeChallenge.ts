import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { signCertificate } from '../../src/pki/certificate.js';
import { octetString } from '../../src/pki/der.js';
import { classifySans, extension, subjectAltName } from '../../src/pki/extensions.js';
import { createSigner, generateKey, privateKeyPem, spkiDer } from '../../src/pki/keys.js';
import { encodeName } from '../../src/pki/name.js';
import { OID } from '../../src/pki/oids.js';
import { toPem } from '../../src/pki/pem.js';
import { ChallengeFailure, type AcmeProblemType } from '../../src/authority/acme/challenges/failure.js';
import type { AcmeIdentifier, ChallengeAttempt, ChallengeType } from '../../src/authority/acme/challenges/validation.js';
import { TestDnsServer } from './dnsServer.js';

/** A challenge attempt with a fresh token and the key authorization of a fresh account key (RFC 8555 §8.1). */
export async function challengeAttempt(type: ChallengeType, identifier: AcmeIdentifier): Promise<ChallengeAttempt> {
  const token = randomBytes(32).toString('base64url');
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const thumbprint = await calculateJwkThumbprint(publicKey.export({ format: 'jwk' }) as JWK, 'sha256');
  return { type, identifier, token, keyAuthorization: `${token}.${thumbprint}` };
}

/** How a test's tls-alpn-01 certificate departs from RFC 8737 (nothing, by default). */
export interface AlpnCertificateOptions {
  /** subjectAltNames (default: the identifier alone). */
  readonly names?: readonly string[];
  /** What id-pe-acmeIdentifier holds (default: SHA-256 of the key authorization); null leaves the extension out. */
  readonly digest?: Buffer | null;
  /** Whether id-pe-acmeIdentifier is critical (default true). */
  readonly critical?: boolean;
}

/** A self-signed tls-alpn-01 responder certificate and its key, PEM, built with fedca's own pki functions. */
export function alpnCertificate(identifier: AcmeIdentifier, keyAuthorization: string, options: AlpnCertificateOptions = {}): { certPem: string; keyPem: string } {
  const key = generateKey({ kty: 'EC' });
  const digest = options.digest === undefined ? createHash('sha256').update(keyAuthorization).digest() : options.digest;
  const extensions = [subjectAltName(classifySans(options.names ?? [identifier.value]))];
  if (digest !== null) extensions.push(extension(OID.acmeIdentifier, octetString(digest), options.critical ?? true));
  const name = encodeName({ commonName: 'acme-tls-alpn-01 test responder' });
  const der = signCertificate(
    {
      serial: randomBytes(16),
      issuer: name,
      subject: name,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3600_000),
      publicKey: spkiDer(key),
      extensions,
    },
    createSigner(key),
  );
  return { certPem: toPem(der), keyPem: privateKeyPem(key) };
}

/** Asserts that a validation fails with exactly this ACME problem type and a message matching `message`. */
export async function assertChallengeFailure(validation: Promise<void>, problemType: AcmeProblemType, message: RegExp): Promise<void> {
  await assert.rejects(validation, (err: unknown) => {
    assert.ok(err instanceof ChallengeFailure, `expected a ChallengeFailure, got ${String(err)}`);
    assert.equal(err.problemType, problemType, err.message);
    assert.match(err.message, message);
    return true;
  });
}

/** What a challenge validation test responds with: its DNS server and a way to start responders. */
export interface ChallengeResponders {
  /** The test's DNS server for `example.test` (started in `before`). */
  readonly dns: () => TestDnsServer;
  /** Starts `server` on an ephemeral port of `host` (default 127.0.0.1) and resolves its port; it is closed, with its connections, after the test. */
  readonly listen: (server: Server, host?: string) => Promise<number>;
}

/**
 * Registers, in the calling `describe`, a DNS server for `example.test` (closed in
 * `after`) and responders started by `listen` (destroyed and closed in `afterEach`).
 */
export function challengeResponders(): ChallengeResponders {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let dns: TestDnsServer | undefined;
  before(async () => {
    dns = await TestDnsServer.start(['example.test']);
  });
  after(async () => {
    await dns?.close();
  });
  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await Promise.all(servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  });
  return {
    dns: () => {
      assert.ok(dns, 'the DNS server starts in before()');
      return dns;
    },
    listen: async (server, host = '127.0.0.1') => {
      servers.push(server);
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      return (server.address() as AddressInfo).port;
    },
  };
}
