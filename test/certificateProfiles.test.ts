import 'reflect-metadata';
import assert from 'node:assert/strict';
import * as x509 from '@peculiar/x509';
import request from 'supertest';
import { createApi } from '../src/api/app.js';
import { loadAuthority } from '../src/home/load.js';
import { loadConfig } from '../src/config/load.js';
import { newJwkProvisioner } from '../src/provisioners/jwkKeys.js';
import { allowedProfiles, profileOptions } from '../src/provisioners/certificateProfiles.js';
import { applySignOptions } from '../src/provisioners/signOptions.js';
import { readCsr } from '../src/authority/csrInput.js';
import { opensslCsr, type TestKeyType } from './helpers/csr.js';
import { https } from './helpers/https.js';
import { rowCount } from './helpers/storeCount.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, signToken, type ProvisionerKey } from './helpers/tokens.js';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const { digitalSignature, keyEncipherment } = x509.KeyUsageFlags;

type Provisioners = { provisioners: Record<string, unknown>[] };
const provisionersOf = (config: Record<string, unknown>): Record<string, unknown>[] => (config.authority as Provisioners).provisioners;

describe('certificate profiles (token claim "profile")', () => {
  let ca: TestCa;
  let admin: ProvisionerKey;
  let restricted: ProvisionerKey;
  let app: ReturnType<typeof createApi>;

  before(async () => {
    // A second JWK provisioner, "vpn-clients", that allows only the openvpn-client profile.
    const vpnClients = { ...(await newJwkProvisioner('vpn-clients', 'test-password')), options: { profiles: ['openvpn-client'] } };
    ca = await startTestCa({ editConfig: (c) => provisionersOf(c).push(vpnClients) });
    admin = await provisionerKey(ca);
    restricted = await provisionerKey(ca, 'vpn-clients');
    app = createApi(ca.authority);
  });
  after(async () => ca.stop());

  async function sign(cn: string, claims: Record<string, unknown>, key: TestKeyType = 'P-256', p = admin) {
    const { csrPem } = opensslCsr(key, cn);
    return request(app)
      .post('/1.0/sign')
      .send({ csr: csrPem, ott: await signToken(ca, p, cn, claims) });
  }

  const leafOf = (res: { body: { crt?: string } }): x509.X509Certificate => new x509.X509Certificate(res.body.crt as string);
  const usages = (leaf: x509.X509Certificate) => ({
    keyUsage: leaf.getExtension(x509.KeyUsagesExtension)?.usages,
    extKeyUsage: [...(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])],
  });

  const cases: [string, TestKeyType, { keyUsage: number; extKeyUsage: string[] }][] = [
    ['openvpn-server', 'P-256', { keyUsage: digitalSignature | keyEncipherment, extKeyUsage: [SERVER_AUTH] }],
    ['openvpn-client', 'RSA2048', { keyUsage: digitalSignature, extKeyUsage: [CLIENT_AUTH] }],
    ['aws-client-vpn-server', 'RSA2048', { keyUsage: digitalSignature | keyEncipherment, extKeyUsage: [SERVER_AUTH] }],
    ['aws-client-vpn-client', 'RSA2048', { keyUsage: digitalSignature, extKeyUsage: [CLIENT_AUTH] }],
    ['default', 'P-256', { keyUsage: digitalSignature, extKeyUsage: [SERVER_AUTH, CLIENT_AUTH] }],
  ];
  for (const [profile, key, expected] of cases) {
    it(`${profile}: its key usages and extended key usages (${key} key)`, async () => {
      const res = await sign('vpn.example.com', { profile, sans: ['vpn.example.com'] }, key);
      assert.equal(res.status, 201, res.text);
      const leaf = leafOf(res);
      assert.deepEqual(usages(leaf), expected);
      assert.ok(leaf.getExtension(x509.KeyUsagesExtension)?.critical, 'keyUsage is critical');
    });
  }

  it('no profile claim: the default profile', async () => {
    const res = await sign('svc.example.com', {}, 'RSA2048');
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(usages(leafOf(res)), { keyUsage: digitalSignature | keyEncipherment, extKeyUsage: [SERVER_AUTH, CLIENT_AUTH] });
  });

  it('a renewal keeps the profile', async () => {
    const { csrPem, keyPem } = opensslCsr('P-256', 'laptop-7');
    const signed = await https(ca, '/1.0/sign', { body: { csr: csrPem, ott: await signToken(ca, admin, 'laptop-7', { profile: 'openvpn-client' }) } });
    assert.equal(signed.status, 201, signed.body.toString());
    const { crt, ca: intermediate } = signed.json<{ crt: string; ca: string }>();
    const renewed = await https(ca, '/1.0/renew', { method: 'POST', cert: crt + intermediate, key: keyPem });
    assert.equal(renewed.status, 201, renewed.body.toString());
    assert.deepEqual(usages(new x509.X509Certificate(renewed.json<{ crt: string }>().crt)), { keyUsage: digitalSignature, extKeyUsage: [CLIENT_AUTH] });
  });

  it('a rekey with a key of the same type keeps the profile\'s key usages', async () => {
    const { csrPem, keyPem } = opensslCsr('P-256', 'vpn-2.example.com');
    const signed = await https(ca, '/1.0/sign', { body: { csr: csrPem, ott: await signToken(ca, admin, 'vpn-2.example.com', { profile: 'openvpn-server' }) } });
    assert.equal(signed.status, 201, signed.body.toString());
    const { crt, ca: intermediate } = signed.json<{ crt: string; ca: string }>();
    const rekeyed = await https(ca, '/1.0/rekey', { body: { csr: opensslCsr('P-256', 'vpn-2.example.com').csrPem }, cert: crt + intermediate, key: keyPem });
    assert.equal(rekeyed.status, 201, rekeyed.body.toString());
    assert.deepEqual(usages(new x509.X509Certificate(rekeyed.json<{ crt: string }>().crt)), { keyUsage: digitalSignature | keyEncipherment, extKeyUsage: [SERVER_AUTH] });
  });

  describe('a provisioner with options.profiles', () => {
    it('issues the profiles it lists', async () => {
      const res = await sign('laptop-1', { profile: 'openvpn-client' }, 'P-256', restricted);
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(usages(leafOf(res)).extKeyUsage, [CLIENT_AUTH]);
    });

    it('refuses any other with 403, the default profile too', async () => {
      for (const claims of [{ profile: 'openvpn-server' }, {}]) {
        const res = await sign('laptop-2', claims, 'P-256', restricted);
        assert.equal(res.status, 403, res.text);
        assert.match(res.body.message as string, /provisioner "vpn-clients" does not allow the (openvpn-server|default) profile \(allowed: openvpn-client\)/);
      }
    });

    it('an unknown profile name in the config stops the CA from loading, naming the key', async () => {
      const other = await startTestCa({ editConfig: (c) => (provisionersOf(c)[0].options = { profiles: ['openvpn-client', 'wireguard'] }) }).catch((err: Error) => err);
      assert.ok(other instanceof Error, 'the CA did not start');
      assert.match(other.message, /authority\.provisioners\[0\]\.options\.profiles: unknown profile "wireguard"/);
    });
  });

  describe('refuses', () => {
    it('an unknown profile (400) and a profile that is not a string (401), storing nothing', async () => {
      const issued = await rowCount(ca, 'certificates');
      const unknown = await sign('svc', { profile: 'ipsec' });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.message as string, /unknown certificate profile "ipsec"/);
      const notString = await sign('svc', { profile: ['openvpn-client'] });
      assert.equal(notString.status, 401);
      assert.match(notString.body.message as string, /profile must be a string/);
      assert.equal(await rowCount(ca, 'certificates'), issued);
    });

    for (const profile of ['aws-client-vpn-server', 'aws-client-vpn-client']) {
      for (const [key, description] of [['P-256', 'EC P-256'], ['P-384', 'EC P-384'], ['RSA4096', 'RSA 4096'], ['Ed25519', 'Ed25519']] as const) {
        it(`${profile} with an ${description} key (403, quoting AWS's limit), storing nothing`, async () => {
          const issued = await rowCount(ca, 'certificates');
          const res = await sign('vpn.example.com', { profile, sans: ['vpn.example.com'] }, key);
          assert.equal(res.status, 403, res.text);
          assert.equal(
            res.body.message,
            `the ${profile} profile needs an RSA 2048 key, not ${description}: AWS Client VPN says "A Client VPN endpoint supports 1024-bit and 2048-bit RSA key sizes only"`,
          );
          assert.equal(await rowCount(ca, 'certificates'), issued);
        });
      }
      it(`${profile} with an RSA 1024 key: refused as too weak, quoting AWS's limit (403)`, async () => {
        const res = await sign('vpn.example.com', { profile, sans: ['vpn.example.com'] }, 'RSA1024');
        assert.equal(res.status, 403, res.text);
        assert.match(res.body.message as string, new RegExp(`^the ${profile} profile refuses RSA 1024 as too weak: AWS Client VPN says "A Client VPN endpoint supports 1024-bit and 2048-bit RSA key sizes only", so fedca issues RSA 2048$`));
      });
    }

    for (const profile of ['aws-client-vpn-server', 'aws-client-vpn-client']) {
      it(`${profile}: a certificate without a CN is refused (AWS wants the CN attribute)`, async () => {
        // JWK tokens always carry a subject; the rule holds for any provisioner that might not.
        const { csr, publicKey } = await readCsr(opensslCsr('RSA2048', '', ['DNS:vpn.example.com']).csrPem);
        const options = profileOptions(profile, allowedProfiles(undefined), 'admin');
        assert.throws(() => applySignOptions(options, { csr, publicKey, now: new Date() }), { status: 403, message: `the ${profile} profile needs a common name (CN) in the subject` });
      });
    }

    it('aws-client-vpn-client: the CN is in the subject', async () => {
      const res = await sign('alice@example.com', { profile: 'aws-client-vpn-client', sans: ['alice@example.com'] }, 'RSA2048');
      assert.equal(res.status, 201, res.text);
      assert.equal(leafOf(res).subject, 'CN=alice@example.com');
    });

    it('aws-client-vpn-server without a DNS name among the SANs (403)', async () => {
      const res = await sign('10.0.0.1', { profile: 'aws-client-vpn-server' }, 'RSA2048');
      assert.equal(res.status, 403, res.text);
      assert.match(res.body.message as string, /needs a DNS name among the SANs/);
    });
  });

  it('loads a config whose provisioner lists profiles (and its listing shows them)', async () => {
    const authority = await loadAuthority(ca.home, loadConfig(ca.home), ca.password);
    try {
      const listed = authority.provisioners('', 10).provisioners.find((p) => p.name === 'vpn-clients');
      assert.deepEqual(listed?.options, { profiles: ['openvpn-client'] });
    } finally {
      await authority.store.close();
    }
  });
});
