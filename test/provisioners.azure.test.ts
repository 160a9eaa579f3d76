import 'reflect-metadata';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import type { JWTPayload } from 'jose';
import { azureIdentityToken } from '../src/sdk/cloudIdentity/azure.js';
import { startKeySet, type TestKeySet } from './helpers/cloudKeys.js';
import { opensslCsr } from './helpers/csr.js';
import { assertJsonError, post } from './helpers/http.js';
import { startMetadataService, type TestMetadataService } from './helpers/metadataService.js';
import { editConfig, initTestHome, startTestCa, type TestCa } from './helpers/testCa.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
/** A second tenant (the same stand-in keys), whose provisioner disables custom SANs and trust on first use. */
const STRICT_TENANT = 'a0a0a0a0-0000-4000-8000-00000000000b';
const SUBSCRIPTION = '0d5b8e0a-0000-4000-8000-000000000001';

describe('Azure provisioner: certificates for managed identity tokens', function () {
  this.timeout(60_000);
  let tenant: TestKeySet;
  let metadata: TestMetadataService;
  let ca: TestCa;
  let counter = 0;
  /** The VM whose managed identity the metadata stand-in hands out tokens for. */
  let vm: { name: string; group: string; tid: string };

  const newVm = (overrides: Partial<typeof vm> = {}): typeof vm => {
    counter += 1;
    return { name: `vm${counter}`, group: 'prod-rg', tid: TENANT, ...overrides };
  };

  /** The claims of the access token Azure issues a VM's managed identity for `resource`. */
  const accessClaims = (resource: string, extra: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return {
      aud: resource,
      iat: now,
      nbf: now,
      exp: now + 86_400,
      appid: 'a1b2c3',
      appidacr: '2',
      idp: tenant.issuer,
      oid: `oid-${vm.name}`,
      sub: `oid-${vm.name}`,
      tid: vm.tid,
      uti: `uti-${counter}-${now}`,
      ver: '1.0',
      xms_mirid: `/subscriptions/${SUBSCRIPTION}/resourcegroups/${vm.group}/providers/Microsoft.Compute/virtualMachines/${vm.name}`,
      ...extra,
    };
  };

  before(async () => {
    tenant = await startKeySet('Microsoft tenant');
    metadata = await startMetadataService({ azure: (resource) => tenant.mint(accessClaims(resource)) });
    const home = await initTestHome();
    copyFileSync(tenant.caFile, join(home.home, 'config/tenant-ca.pem'));
    editConfig(home.home, (c) => {
      const keys = { tenantID: TENANT, configurationEndpoint: tenant.issuer, caBundle: 'config/tenant-ca.pem' };
      (c.authority as { provisioners: unknown[] }).provisioners.push(
        { type: 'Azure', name: 'azure', resourceGroups: ['prod-rg'], ...keys },
        { type: 'Azure', name: 'azure-strict', disableCustomSANs: true, disableTrustOnFirstUse: true, ...keys, tenantID: STRICT_TENANT },
      );
    });
    ca = await startTestCa({ home });
  });
  after(async () => {
    await ca?.stop();
    await metadata?.stop();
    await tenant?.stop();
  });

  const instanceToken = (): Promise<string> => azureIdentityToken(metadata.url);
  const sign = (ott: string, cn: string, sans: string[] = []) => post(ca, '/1.0/sign', JSON.stringify({ csr: opensslCsr('P-256', cn, sans).csrPem, ott }));

  it('issues for a valid managed identity token from the metadata service (Metadata: true, the management resource)', async () => {
    vm = newVm();
    const res = await sign(await instanceToken(), vm.name, [`DNS:${vm.name}.example`]);
    assert.equal(res.status, 201, res.text);
    assert.equal(new x509.X509Certificate(res.body.crt as string).subject, `CN=${vm.name}`);
    const asked = metadata.requests.at(-1);
    assert.equal(asked?.headers.metadata, 'true');
    assert.equal(new URL(asked?.path ?? '', 'http://x').searchParams.get('resource'), 'https://management.azure.com/');
  });

  it('trust on first use (sha256 of xms_mirid): a second certificate for the same VM is refused, as is the token replayed', async () => {
    vm = newVm();
    const token = await instanceToken();
    assert.equal((await sign(token, vm.name)).status, 201);
    assertJsonError(await sign(token, vm.name), 401, /token already used/);
    assertJsonError(await sign(await tenant.mint(accessClaims('https://management.azure.com/', { uti: 'another' })), vm.name), 401, /token already used/);
  });

  it("refuses a token not signed by the tenant's keys", async () => {
    vm = newVm();
    assertJsonError(await sign(await tenant.mintWithStrangerKey(accessClaims('https://management.azure.com/')), vm.name), 401, /signature verification failed/);
  });

  it('refuses another tenant and another resource group', async () => {
    vm = newVm({ tid: 'another-tenant' });
    assertJsonError(await sign(await instanceToken(), vm.name), 401, /invalid azure token: the tenant \(tid\)|no provisioner/);
    vm = newVm({ group: 'dev-rg' });
    assertJsonError(await sign(await instanceToken(), vm.name), 401, /the resource group dev-rg is not allowed/);
  });

  it('refuses an expired token and one for another audience', async () => {
    vm = newVm();
    const now = Math.floor(Date.now() / 1000);
    assertJsonError(await sign(await tenant.mint(accessClaims('https://management.azure.com/', { nbf: now - 7200, iat: now - 7200, exp: now - 3600 })), vm.name), 401, /token expired/);
    assertJsonError(await sign(await tenant.mint(accessClaims('https://vault.azure.net')), vm.name), 401, /audience \(aud\) is not the provisioner's audience \(https:\/\/management\.azure\.com\/\)/);
  });

  it('refuses a token whose xms_mirid names no virtual machine', async () => {
    vm = newVm();
    assertJsonError(await sign(await tenant.mint(accessClaims('https://management.azure.com/', { xms_mirid: '/subscriptions/x/resourceGroups/y/providers/Microsoft.Web/sites/z' })), vm.name), 401, /xms_mirid/);
  });

  it('with disableCustomSANs: the VM name as CN and SAN by default, custom SANs refused (403); without trust on first use the same token serves again, as step-ca allows', async () => {
    vm = newVm({ tid: STRICT_TENANT });
    const token = await instanceToken();
    const res = await sign(token, vm.name);
    assert.equal(res.status, 201, res.text);
    const san = new x509.X509Certificate(res.body.crt as string).getExtension(x509.SubjectAlternativeNameExtension);
    assert.deepEqual(san?.names.items.map((n) => n.value), [vm.name]);
    assert.equal((await sign(token, vm.name)).status, 201, 'IMDS hands out the same token for hours: step-ca lets it serve again');
    assertJsonError(await sign(token, vm.name, ['DNS:evil.example']), 403, /CSR SANs not allowed/);
    assertJsonError(await sign(token, 'someone-else'), 403, /CSR common name "someone-else" does not match/);
  });
});
