import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { MAX_BODY_BYTES, MAX_REDIRECTS } from '../src/authority/acme/challenges/http01.js';
import { validateChallenge, type ValidationPolicy } from '../src/authority/acme/challenges/validation.js';
import { alpnCertificate, assertChallengeFailure, challengeAttempt, challengeResponders } from './helpers/acmeChallenge.js';
import { closedPort } from './helpers/ports.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('ACME http-01 validation', () => {
  const responders = challengeResponders();
  const { listen } = responders;

  const httpServer = (handler: Handler, host?: string): Promise<number> => listen(createHttpServer(handler), host);

  const policy = (httpPort: number, more: Partial<ValidationPolicy> = {}): ValidationPolicy => ({
    allowLoopback: true,
    timeoutMs: 5_000,
    resolvers: [responders.dns().resolver],
    httpPort,
    ...more,
  });

  it('passes when the well-known URL answers the key authorization (trailing whitespace ignored), with the Host of the identifier', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const seen: { url?: string; host?: string } = {};
    const port = await httpServer((req, res) => {
      Object.assign(seen, { url: req.url, host: req.headers.host });
      res.end(`${attempt.keyAuthorization}\r\n \n`);
    });
    await validateChallenge(attempt, policy(port));
    assert.deepEqual(seen, { url: `/.well-known/acme-challenge/${attempt.token}`, host: `127.0.0.1:${port}` });
  });

  it('resolves a DNS identifier through the configured resolver and connects to the address it checked', async () => {
    responders.dns().setAddresses('www.example.test', '127.0.0.1');
    const attempt = await challengeAttempt('http-01', { type: 'dns', value: 'www.example.test' });
    let host: string | undefined;
    const port = await httpServer((req, res) => {
      host = req.headers.host;
      res.end(attempt.keyAuthorization);
    });
    await validateChallenge(attempt, policy(port));
    assert.equal(host, `www.example.test:${port}`);
  });

  it('resolves through the system resolver when no resolvers are configured', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'dns', value: 'localhost' });
    const port = await httpServer((_req, res) => res.end(attempt.keyAuthorization));
    await validateChallenge(attempt, { allowLoopback: true, timeoutMs: 5_000, httpPort: port });
  });

  it('tries the next address of a name when the first refuses the connection', async () => {
    responders.dns().setAddresses('two.example.test', '127.0.0.2', '127.0.0.1');
    const attempt = await challengeAttempt('http-01', { type: 'dns', value: 'two.example.test' });
    const port = await httpServer((_req, res) => res.end(attempt.keyAuthorization));
    await validateChallenge(attempt, policy(port));
  });

  it('validates an IPv6 identifier at [::1]', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '::1' });
    let host: string | undefined;
    const port = await httpServer((req, res) => {
      host = req.headers.host;
      res.end(attempt.keyAuthorization);
    }, '::1');
    await validateChallenge(attempt, policy(port));
    assert.equal(host, `[::1]:${port}`);
  });

  it('fails with incorrectResponse and both values when the body is another key authorization', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const port = await httpServer((_req, res) => res.end('not-the-key-authorization'));
    await assertChallengeFailure(
      validateChallenge(attempt, policy(port)),
      'incorrectResponse',
      new RegExp(`^expected key authorization "${attempt.keyAuthorization.slice(0, 64)}…" at http://127\\.0\\.0\\.1:${port}/\\.well-known/acme-challenge/\\S+, got "not-the-key-authorization"$`),
    );
  });

  it('fails with unauthorized when the URL answers an error status', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const port = await httpServer((_req, res) => {
      res.statusCode = 404;
      res.end('no such token');
    });
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'unauthorized', new RegExp(`at 127\\.0\\.0\\.1:${port} answered 404$`));
  });

  it('fails with connection when nothing listens', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const port = await closedPort();
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'connection', new RegExp(`^connection refused at 127\\.0\\.0\\.1:${port}$`));
  });

  it('refuses a loopback IP identifier, and a name resolving to loopback, without allowLoopback (rejectedIdentifier), contacting nothing', async () => {
    let requests = 0;
    const port = await httpServer((_req, res) => {
      requests++;
      res.end('x');
    });
    const byIp = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    await assertChallengeFailure(
      validateChallenge(byIp, policy(port, { allowLoopback: false })),
      'rejectedIdentifier',
      /^127\.0\.0\.1 is a loopback address and is not contacted for validation$/,
    );
    responders.dns().setAddresses('rebind.example.test', '127.0.0.1');
    const byName = await challengeAttempt('http-01', { type: 'dns', value: 'rebind.example.test' });
    await assertChallengeFailure(
      validateChallenge(byName, policy(port, { allowLoopback: false })),
      'rejectedIdentifier',
      /^rebind\.example\.test resolves to 127\.0\.0\.1; 127\.0\.0\.1 is a loopback address and is not contacted/,
    );
    assert.equal(requests, 0);
  });

  it('fails with dns when the name has no address', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'dns', value: 'missing.example.test' });
    await assertChallengeFailure(validateChallenge(attempt, policy(await closedPort())), 'dns', /^no A or AAAA record for missing\.example\.test$/);
  });

  it('follows redirects on the same port, and to https on the TLS port without verifying its certificate', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const { certPem, keyPem } = alpnCertificate({ type: 'dns', value: 'localhost' }, 'unused');
    const tlsPort = await listen(createHttpsServer({ cert: certPem, key: keyPem }, (_req, res) => res.end(attempt.keyAuthorization)));
    const port = await httpServer((req, res) => {
      res.statusCode = 302;
      res.setHeader('location', req.url === '/moved' ? `https://127.0.0.1:${tlsPort}/final` : '/moved');
      res.end();
    });
    await validateChallenge(attempt, policy(port, { tlsPort }));
  });

  it('refuses a redirect to another port than the two', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const other = await httpServer((_req, res) => res.end(attempt.keyAuthorization));
    const tlsPort = await closedPort();
    const port = await httpServer((_req, res) => {
      res.statusCode = 301;
      res.setHeader('location', `http://127.0.0.1:${other}/.well-known/acme-challenge/${attempt.token}`);
      res.end();
    });
    await assertChallengeFailure(
      validateChallenge(attempt, policy(port, { tlsPort })),
      'connection',
      new RegExp(`redirects to "http://127\\.0\\.0\\.1:${other}/\\S+: only ports ${port} and ${tlsPort} are followed, not ${other}$`),
    );
  });

  it('refuses a redirect to another scheme, and re-checks a redirect target against the address policy', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    let target = 'ftp://127.0.0.1/x';
    const port = await httpServer((_req, res) => {
      res.statusCode = 307;
      res.setHeader('location', target);
      res.end();
    });
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'connection', /redirects to "ftp:\/\/127\.0\.0\.1\/x": only http and https are followed$/);
    target = `http://224.0.0.1:${port}/`;
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'rejectedIdentifier', /^224\.0\.0\.1 is a multicast address and is not contacted/);
  });

  it(`stops after ${MAX_REDIRECTS} redirects`, async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    let requests = 0;
    const port = await httpServer((req, res) => {
      requests++;
      res.statusCode = 302;
      res.setHeader('location', `${req.url ?? '/'}x`);
      res.end();
    });
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'connection', /^more than 10 redirects, the last from http:\/\/127\.0\.0\.1:\d+\/\S+x$/);
    assert.equal(requests, MAX_REDIRECTS + 1);
  });

  it(`cuts a body past ${MAX_BODY_BYTES} bytes, announced or streamed`, async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const big = Buffer.alloc(1024 * 1024, 'a');
    let announce = true;
    const port = await httpServer((_req, res) => {
      if (announce) res.setHeader('content-length', big.length);
      res.write(attempt.keyAuthorization);
      res.end(big);
    });
    const tooLarge = new RegExp(`^the response to GET \\S+ is larger than ${MAX_BODY_BYTES} bytes$`);
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'incorrectResponse', tooLarge);
    announce = false;
    await assertChallengeFailure(validateChallenge(attempt, policy(port)), 'incorrectResponse', tooLarge);
  });

  it('fails at the deadline when the server accepts and never answers', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const port = await listen(createTcpServer(() => undefined));
    await assertChallengeFailure(
      validateChallenge(attempt, policy(port, { timeoutMs: 300 })),
      'connection',
      new RegExp(`^no answer from 127\\.0\\.0\\.1:${port} \\(GET http://\\S+\\) within 300 ms$`),
    );
  });

  it('refuses an IP identifier with a zone id, and a key authorization of another token (malformed)', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: 'fe80::1%lo' });
    await assertChallengeFailure(validateChallenge(attempt, policy(await closedPort())), 'malformed', /^"fe80::1%lo" is not an IP address$/);
    const other = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    await assertChallengeFailure(
      validateChallenge({ ...other, keyAuthorization: `x${other.keyAuthorization}` }, policy(await closedPort())),
      'malformed',
      /^the key authorization is not <token>\.<thumbprint> of this challenge$/,
    );
  });

  it('refuses a token that is not base64url before contacting anything (malformed)', async () => {
    const attempt = await challengeAttempt('http-01', { type: 'ip', value: '127.0.0.1' });
    const bad = { ...attempt, token: '../../etc', keyAuthorization: `../../etc.${attempt.keyAuthorization.split('.')[1]}` };
    await assertChallengeFailure(validateChallenge(bad, policy(await closedPort())), 'malformed', /^the challenge token is not base64url$/);
  });
});
