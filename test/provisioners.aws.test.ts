import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { decodeJwt, SignJWT, type JWTPayload } from 'jose';
import { awsIdentityToken } from '../src/sdk/cloudIdentity/aws.js';
import { awsIdentitySigner, instanceDocument, type AwsIdentitySigner, type TestInstanceDocument } from './helpers/cloudKeys.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, get, post } from './helpers/http.js';
import { startMetadataService, type TestMetadataService } from './helpers/metadataService.js';
import { editConfig, initTestHome, startTestCa, type TestCa } from './helpers/testCa.js';

describe('AWS provisioner: certificates for EC2 instance identities', function () {
  this.timeout(60_000);
  let aws: AwsIdentitySigner;
  let metadata: TestMetadataService;
  let ca: TestCa;

  before(async () => {
    aws = awsIdentitySigner();
    metadata = await startMetadataService();
    const home = await initTestHome();
    writeFileSync(join(home.home, 'config/aws-iid.pem'), aws.certificatePem);
    editConfig(home.home, (c) => {
      const iid = { iidRoots: 'config/aws-iid.pem' };
      (c.authority as { provisioners: unknown[] }).provisioners.push(
        { type: 'AWS', name: 'aws', accounts: ['111122223333'], instanceAge: '1h', ...iid },
        { type: 'AWS', name: 'aws-strict', disableCustomSANs: true, ...iid },
        { type: 'AWS', name: 'aws-reuse', disableTrustOnFirstUse: true, ...iid },
      );
    });
    ca = await startTestCa({ home });
  });
  after(async () => {
    await ca?.stop();
    await metadata?.stop();
  });

  /** The token step's client builds on the instance: through the stand-in metadata service (IMDSv2). */
  const instanceToken = (doc: TestInstanceDocument, subject: string, provisioner = 'aws'): Promise<string> => {
    metadata.answers.aws = aws.sign(doc);
    return awsIdentityToken(metadata.url, ca.url, provisioner, subject);
  };

  /** A token built by hand from a signed document: claims and the HMAC key overridable. */
  const handMadeToken = (signed: { document: string; signature: string }, claims: JWTPayload, hmacKey?: Buffer): Promise<string> => {
    const signature = Buffer.from(signed.signature, 'base64');
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: 'ec2.amazonaws.com',
      aud: [`${ca.url}/1.0/sign#aws/aws`],
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: randomBytes(8).toString('hex'),
      amazon: { document: Buffer.from(signed.document).toString('base64'), signature: signature.toString('base64') },
      ...claims,
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(hmacKey ?? signature);
  };

  const sign = (ott: string, cn: string, sans: string[] = []) => post(ca, '/1.0/sign', JSON.stringify({ csr: opensslCsr('P-256', cn, sans).csrPem, ott }));

  it('lists the provisioners with step-ca\'s keys', async () => {
    const list = (await get(ca, '/provisioners')).body as { provisioners: Record<string, unknown>[] };
    const entry = list.provisioners.find((p) => p.name === 'aws');
    assert.deepEqual(entry, { type: 'AWS', name: 'aws', accounts: ['111122223333'], instanceAge: '1h', iidRoots: 'config/aws-iid.pem' });
  });

  it('builds the token as step does: IMDSv2 session, HS256 keyed by the signature, aud with #aws/NAME, jti sha256 of the instance', async () => {
    const doc = instanceDocument();
    const token = await instanceToken(doc, 'web-1.internal');
    const claims = decodeJwt(token);
    assert.equal(claims.iss, 'ec2.amazonaws.com');
    assert.equal(claims.sub, 'web-1.internal');
    assert.deepEqual(claims.aud, [`${ca.url}/1.0/sign#aws/aws`]);
    assert.equal(claims.jti, createHash('sha256').update(`aws/aws.${doc.instanceId}`).digest('hex'));
    const seen = metadata.requests.slice(-4).map((r) => `${r.method} ${r.path} ${r.headers['x-aws-ec2-metadata-token'] ? 'session' : ''}`.trim());
    assert.deepEqual(seen, ['PUT /latest/api/token', 'GET /latest/dynamic/instance-identity/document session', 'PUT /latest/api/token', 'GET /latest/dynamic/instance-identity/signature session']);
  });

  it("issues for a valid identity: CN the token's subject, the CSR's SANs, the provisioner extension with the account", async () => {
    const doc = instanceDocument();
    const res = await sign(await instanceToken(doc, 'web-1.internal'), 'web-1.internal', ['DNS:web-1.internal', 'DNS:api.example']);
    assert.equal(res.status, 201, res.text);
    const cert = new x509.X509Certificate(res.body.crt as string);
    assert.equal(cert.subject, 'CN=web-1.internal');
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.items.map((n) => n.value), ['web-1.internal', 'api.example']);
    const ext = cert.extensions.find((e) => e.type === '1.3.6.1.4.1.37476.9000.64.1');
    assert.ok(ext && Buffer.from(ext.value).includes(Buffer.from('111122223333')), 'the provisioner extension names the account');
  });

  it('trust on first use: a second certificate for the same instance is refused, as is the token replayed', async () => {
    const doc = instanceDocument();
    const first = await instanceToken(doc, 'db-1');
    assert.equal((await sign(first, 'db-1')).status, 201);
    assertJsonError(await sign(first, 'db-1'), 401, /token already used/);
    assertJsonError(await sign(await instanceToken(doc, 'db-1'), 'db-1'), 401, /token already used/);
  });

  it('refuses a document AWS did not sign (bad signature)', async () => {
    const doc = instanceDocument();
    const forged = awsIdentitySigner().sign(doc);
    assertJsonError(await sign(await handMadeToken(forged, { sub: 'x' }), 'x'), 401, /identity document is not signed by AWS/);
  });

  it('refuses a token whose HMAC is not keyed by the signature', async () => {
    const signed = aws.sign(instanceDocument());
    assertJsonError(await sign(await handMadeToken(signed, { sub: 'x' }, randomBytes(32)), 'x'), 401, /invalid aws token: signature verification failed/);
  });

  it('refuses another account', async () => {
    const token = await instanceToken(instanceDocument({ accountId: '999988887777' }), 'x');
    assertJsonError(await sign(token, 'x'), 401, /the account 999988887777 is not allowed/);
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await handMadeToken(aws.sign(instanceDocument()), { sub: 'x', iat: now - 900, nbf: now - 900, exp: now - 600 });
    assertJsonError(await sign(token, 'x'), 401, /token expired/);
  });

  it('refuses an instance older than instanceAge', async () => {
    const token = await instanceToken(instanceDocument({ pendingTime: new Date(Date.now() - 2 * 3_600_000).toISOString() }), 'x');
    assertJsonError(await sign(token, 'x'), 401, /older than instanceAge/);
  });

  it('refuses a token for another CA (audience)', async () => {
    const token = await handMadeToken(aws.sign(instanceDocument()), { sub: 'x', aud: ['https://other.example/1.0/sign#aws/aws'] });
    assertJsonError(await sign(token, 'x'), 401, /audience/);
  });

  it('with disableCustomSANs: the private DNS name and IP by default, custom SANs refused (403), the subject one of the instance\'s names', async () => {
    const doc = instanceDocument({ privateIp: '10.0.3.9', region: 'us-east-2' });
    const dns = 'ip-10-0-3-9.us-east-2.compute.internal';
    const res = await sign(await instanceToken(doc, doc.instanceId, 'aws-strict'), doc.instanceId);
    assert.equal(res.status, 201, res.text);
    const san = new x509.X509Certificate(res.body.crt as string).getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.items.map((n) => `${n.type}:${n.value}`), [`dns:${dns}`, 'ip:10.0.3.9']);
    const other = instanceDocument();
    assertJsonError(await sign(await instanceToken(other, other.instanceId, 'aws-strict'), other.instanceId, ['DNS:evil.example']), 403, /CSR SANs not allowed/);
    const third = instanceDocument();
    assertJsonError(await sign(await instanceToken(third, 'web.example', 'aws-strict'), 'web.example'), 401, /subject \(sub\) must be the instance id, private IP or private DNS name/);
  });

  it('with disableTrustOnFirstUse: an instance gets several certificates, each token once', async () => {
    const doc = instanceDocument();
    const first = await instanceToken(doc, 'batch-1', 'aws-reuse');
    assert.equal((await sign(first, 'batch-1')).status, 201);
    // A second token a second later: its times differ, so it is another token.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await sign(await instanceToken(doc, 'batch-1', 'aws-reuse'), 'batch-1')).status, 201);
    assertJsonError(await sign(first, 'batch-1'), 401, /token already used/);
  });

  it('refuses revoke tokens (revocation goes over mTLS), 401', async () => {
    const token = await instanceToken(instanceDocument(), 'x');
    const res = await post(ca, '/1.0/revoke', JSON.stringify({ serial: '1', ott: token, reasonCode: 0, passive: true }));
    assertJsonError(res, 401, /AWS provisioners do not authorize revoke tokens/);
  });
});
