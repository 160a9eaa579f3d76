import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import { serviceAccountClaims, serviceAccountSigner, type ServiceAccountSigner } from './helpers/cloudKeys.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, get, post } from './helpers/http.js';
import { editConfig, initTestHome, startTestCa, type TestCa } from './helpers/testCa.js';

describe('K8sSA provisioner: certificates for Kubernetes service-account tokens', function () {
  this.timeout(60_000);
  let cluster: ServiceAccountSigner;
  let ca: TestCa;
  const PROJECTED_ISSUER = 'https://kubernetes.default.svc.cluster.local';

  before(async () => {
    cluster = serviceAccountSigner();
    const home = await initTestHome();
    editConfig(home.home, (c) => {
      (c.authority as { provisioners: unknown[] }).provisioners.push({
        type: 'K8sSA',
        name: 'cluster',
        // step-ca writes the PEM base64-encoded (Go's []byte).
        publicKeys: Buffer.from(cluster.publicKeyPem).toString('base64'),
        issuers: [PROJECTED_ISSUER],
      });
    });
    ca = await startTestCa({ home });
  });
  after(async () => {
    await ca?.stop();
  });

  const sign = (ott: string, cn: string, sans: string[] = []) => post(ca, '/1.0/sign', JSON.stringify({ csr: opensslCsr('P-256', cn, sans).csrPem, ott }));

  it('lists the provisioner with its public keys', async () => {
    const list = (await get(ca, '/provisioners')).body as { provisioners: Record<string, unknown>[] };
    assert.equal(list.provisioners.find((p) => p.name === 'cluster')?.type, 'K8sSA');
  });

  it("issues for a service-account token secret: the CSR's subject and SANs (step-ca's admin template)", async () => {
    const res = await sign(await cluster.mint(serviceAccountClaims('shop', 'checkout')), 'checkout.shop.svc', ['DNS:checkout.shop.svc', 'DNS:checkout']);
    assert.equal(res.status, 201, res.text);
    const cert = new x509.X509Certificate(res.body.crt as string);
    assert.equal(cert.subject, 'CN=checkout.shop.svc');
    assert.deepEqual(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value), ['checkout.shop.svc', 'checkout']);
  });

  it('issues for a projected token of an issuer listed in `issuers` (fedca), and refuses it replayed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await cluster.mint({ iss: PROJECTED_ISSUER, sub: 'system:serviceaccount:shop:cart', aud: ['fedca'], iat: now, nbf: now, exp: now + 3600, 'kubernetes.io': { namespace: 'shop', serviceaccount: { name: 'cart', uid: 'u-1' } } });
    assert.equal((await sign(token, 'cart.shop.svc')).status, 201);
    assertJsonError(await sign(token, 'cart.shop.svc'), 401, /token already used/);
  });

  it("refuses a token not signed by the cluster's key", async () => {
    const stranger = serviceAccountSigner();
    assertJsonError(await sign(await stranger.mint(serviceAccountClaims('shop', 'x')), 'x'), 401, /not signed by one of the cluster's service-account keys/);
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    assertJsonError(await sign(await cluster.mint({ ...serviceAccountClaims('shop', 'x'), iat: now - 7200, exp: now - 3600 }), 'x'), 401, /token expired/);
  });

  it('refuses another issuer and a token without a subject', async () => {
    // Another issuer finds no provisioner at all; one routed here by a listed issuer but unsigned by the cluster is refused above.
    assertJsonError(await sign(await cluster.mint({ ...serviceAccountClaims('shop', 'x'), iss: 'https://other-cluster.example' }), 'x'), 401, /no provisioner/);
    const { sub: _sub, ...noSubject } = serviceAccountClaims('shop', 'x');
    assertJsonError(await sign(await cluster.mint(noSubject), 'x'), 401, /subject \(sub\) cannot be empty/);
  });

  it('refuses a replayed token secret: a pod renews over mTLS after its first certificate', async () => {
    const token = await cluster.mint(serviceAccountClaims('shop', 'payments'));
    assert.equal((await sign(token, 'payments')).status, 201);
    assertJsonError(await sign(token, 'payments'), 401, /token already used/);
  });
});
