import 'reflect-metadata';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { JWTPayload } from 'jose';
import { gcpIdentityToken } from '../src/sdk/cloudIdentity/gcp.js';
import { startKeySet, type TestKeySet } from './helpers/cloudKeys.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, post } from './helpers/http.js';
import { startMetadataService, type TestMetadataService } from './helpers/metadataService.js';
import { editConfig, initTestHome, startTestCa, type TestCa } from './helpers/testCa.js';

const SERVICE_ACCOUNT = 'workload@prod-project.iam.gserviceaccount.com';

describe('GCP provisioner: certificates for Compute Engine instance identity tokens', function () {
  this.timeout(60_000);
  let google: TestKeySet;
  let metadata: TestMetadataService;
  let ca: TestCa;
  let instance = 0;
  /** What the VM's token says about it; the metadata stand-in signs it for the audience asked. */
  let vm: { id: string; name: string; project: string; zone: string; createdAt: number; email: string };

  const newVm = (overrides: Partial<typeof vm> = {}): typeof vm => {
    instance += 1;
    return { id: String(7_000_000 + instance), name: `vm-${instance}`, project: 'prod-project', zone: 'europe-west1-b', createdAt: Math.floor(Date.now() / 1000) - 60, email: SERVICE_ACCOUNT, ...overrides };
  };

  /** The claims Google puts in a `format=full` identity token of `vm` for `audience`. */
  const googleClaims = (audience: string, extra: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return {
      aud: audience,
      azp: '10987654321',
      sub: '10987654321',
      email: vm.email,
      email_verified: true,
      iat: now,
      exp: now + 3600,
      google: { compute_engine: { instance_id: vm.id, instance_name: vm.name, project_id: vm.project, project_number: 42, zone: vm.zone, instance_creation_timestamp: vm.createdAt } },
      ...extra,
    };
  };

  before(async () => {
    google = await startKeySet('Google');
    metadata = await startMetadataService({ gcp: (audience) => google.mint(googleClaims(audience)) });
    const home = await initTestHome();
    copyFileSync(google.caFile, join(home.home, 'config/google-ca.pem'));
    editConfig(home.home, (c) => {
      const keys = { configurationEndpoint: google.issuer, caBundle: 'config/google-ca.pem' };
      (c.authority as { provisioners: unknown[] }).provisioners.push(
        { type: 'GCP', name: 'gcp', serviceAccounts: [SERVICE_ACCOUNT], projectIDs: ['prod-project'], instanceAge: '1h', ...keys },
        { type: 'GCP', name: 'gcp-strict', disableCustomSANs: true, ...keys },
        { type: 'GCP', name: 'gcp-reuse', disableTrustOnFirstUse: true, ...keys },
      );
    });
    ca = await startTestCa({ home });
  });
  after(async () => {
    await ca?.stop();
    await metadata?.stop();
    await google?.stop();
  });

  const instanceToken = (provisioner = 'gcp'): Promise<string> => gcpIdentityToken(metadata.url, ca.url, provisioner);
  const audience = (provisioner = 'gcp'): string => `${ca.url}/1.0/sign#gcp/${provisioner}`;
  const sign = (ott: string, cn: string, sans: string[] = []) => post(ca, '/1.0/sign', JSON.stringify({ csr: opensslCsr('P-256', cn, sans).csrPem, ott }));

  it('issues for a valid identity token got from the metadata service (Metadata-Flavor: Google, format=full, the sign audience)', async () => {
    vm = newVm();
    const res = await sign(await instanceToken(), vm.name, [`DNS:${vm.name}.example`]);
    assert.equal(res.status, 201, res.text);
    const cert = new x509.X509Certificate(res.body.crt as string);
    assert.equal(cert.subject, `CN=${vm.name}`);
    const asked = metadata.requests.at(-1);
    assert.equal(asked?.headers['metadata-flavor'], 'Google');
    const query = new URL(asked?.path ?? '', 'http://x').searchParams;
    assert.deepEqual([query.get('audience'), query.get('format'), query.get('licenses')], [audience(), 'full', 'FALSE']);
  });

  it('trust on first use: a second certificate for the same instance is refused, as is the token replayed', async () => {
    vm = newVm();
    const token = await instanceToken();
    assert.equal((await sign(token, vm.name)).status, 201);
    assertJsonError(await sign(token, vm.name), 401, /token already used/);
    assertJsonError(await sign(await google.mint(googleClaims(audience(), { iat: Math.floor(Date.now() / 1000) + 1 })), vm.name), 401, /token already used/);
  });

  it('refuses a token not signed by Google (bad signature)', async () => {
    vm = newVm();
    assertJsonError(await sign(await google.mintWithStrangerKey(googleClaims(audience())), vm.name), 401, /signature verification failed/);
  });

  it('refuses another project and another service account', async () => {
    vm = newVm({ project: 'other-project' });
    assertJsonError(await sign(await instanceToken(), vm.name), 401, /the project other-project is not allowed/);
    vm = newVm({ email: 'intruder@other.iam.gserviceaccount.com' });
    assertJsonError(await sign(await instanceToken(), vm.name), 401, /the service account intruder@other\.iam\.gserviceaccount\.com is not allowed/);
  });

  it('refuses an expired token', async () => {
    vm = newVm();
    const now = Math.floor(Date.now() / 1000);
    assertJsonError(await sign(await google.mint(googleClaims(audience(), { iat: now - 7200, exp: now - 3600 })), vm.name), 401, /token expired/);
  });

  it('refuses an instance older than instanceAge', async () => {
    vm = newVm({ createdAt: Math.floor(Date.now() / 1000) - 7200 });
    assertJsonError(await sign(await instanceToken(), vm.name), 401, /older than instanceAge/);
  });

  it("refuses a token for another CA's audience, or Google's token of another issuer", async () => {
    vm = newVm();
    assertJsonError(await sign(await google.mint(googleClaims('https://other.example/1.0/sign#gcp/gcp')), vm.name), 401, /audience/);
  });

  it('with disableCustomSANs: the internal DNS names by default, custom SANs refused (403), the CN one of the instance\'s names', async () => {
    vm = newVm();
    const res = await sign(await instanceToken('gcp-strict'), vm.name);
    assert.equal(res.status, 201, res.text);
    const san = new x509.X509Certificate(res.body.crt as string).getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.items.map((n) => n.value), [`${vm.name}.c.prod-project.internal`, `${vm.name}.europe-west1-b.c.prod-project.internal`]);
    vm = newVm();
    assertJsonError(await sign(await instanceToken('gcp-strict'), vm.name, ['DNS:evil.example']), 403, /CSR SANs not allowed/);
    vm = newVm();
    assertJsonError(await sign(await instanceToken('gcp-strict'), 'someone-else'), 403, /CSR common name "someone-else" is not one of the instance's names/);
  });

  it('with disableTrustOnFirstUse: an instance gets several certificates, each token once', async () => {
    vm = newVm();
    const first = await instanceToken('gcp-reuse');
    assert.equal((await sign(first, vm.name)).status, 201);
    const second = await google.mint(googleClaims(audience('gcp-reuse'), { iat: Math.floor(Date.now() / 1000) + 1 }));
    assert.equal((await sign(second, vm.name)).status, 201);
    assertJsonError(await sign(first, vm.name), 401, /token already used/);
  });
});
