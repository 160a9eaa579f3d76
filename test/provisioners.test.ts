import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, type JsonWebKey } from 'node:crypto';
import { compactDecrypt, decodeProtectedHeader, type JWK } from 'jose';
import type { ProvisionerConfig } from '../src/config/caConfig.js';
import { newJwkProvisioner } from '../src/provisioners/jwkKeys.js';
import { publicOnlyProvisioner } from './helpers/fixtures.js';
import { assertJsonError, assertOk, get } from './helpers/http.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';

interface ProvisionerJson {
  type: string;
  name: string;
  key: JWK & { kid: string };
  encryptedKey?: string;
}
interface Page {
  provisioners: ProvisionerJson[];
  nextCursor: string;
}

/** Adds provisioners to the config that init wrote (which holds "admin"). */
const withProvisioners = (extra: readonly ProvisionerConfig[]) => (config: Record<string, unknown>) => {
  const authority = config.authority as { provisioners: ProvisionerConfig[] };
  authority.provisioners.push(...extra);
};

async function decryptKey(jwe: string, password: string): Promise<JWK> {
  const { plaintext } = await compactDecrypt(jwe, new TextEncoder().encode(password), {
    keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
    maxPBES2Count: 1_000_000,
  });
  return JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
}

describe('provisioner endpoints', () => {
  let ca: TestCa;

  before(async () => {
    const extra = [await newJwkProvisioner('ops', 'ops-password'), await newJwkProvisioner('ci', 'ci-password')];
    ca = await startTestCa({ editConfig: withProvisioners(extra) });
  });
  after(async () => ca?.stop());

  /** Follows nextCursor from the first page to the last. */
  async function allPages(prefix: string, limit: number): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor = '';
    do {
      const res = await get(ca, `${prefix}/provisioners?limit=${limit}&cursor=${encodeURIComponent(cursor)}`);
      assert.equal(res.status, 200);
      const page = res.body as Page;
      pages.push(page);
      cursor = page.nextCursor;
      assert.ok(pages.length <= 10, 'the cursor never ends');
    } while (cursor !== '');
    return pages;
  }

  for (const prefix of ['', '/1.0']) {
    it(`GET ${prefix}/provisioners lists every provisioner in step-ca's shape`, async () => {
      const res = await get(ca, `${prefix}/provisioners`);
      assertOk(res);
      const page = res.body as Page;
      assert.equal(page.nextCursor, '');
      assert.deepEqual(page.provisioners.map((p) => p.name).sort(), ['admin', 'ci', 'ops']);
      for (const p of page.provisioners) {
        assert.equal(p.type, 'JWK');
        assert.equal(typeof p.key.kid, 'string');
        assert.equal(p.key.d, undefined, 'a private key part is published');
        assert.equal(p.encryptedKey?.split('.').length, 5);
      }
    });

    it(`GET ${prefix}/provisioners?limit=1 pages one at a time through nextCursor`, async () => {
      const pages = await allPages(prefix, 1);
      assert.equal(pages.length, 3);
      for (const page of pages) assert.equal(page.provisioners.length, 1);
      const names = pages.map((p) => p.provisioners[0].name);
      assert.deepEqual([...names].sort(), ['admin', 'ci', 'ops']);
      assert.equal(pages[2].nextCursor, '');
    });
  }

  it('pages of two cover the same provisioners in the same order as pages of one', async () => {
    const byOne = (await allPages('', 1)).flatMap((p) => p.provisioners.map((x) => x.key.kid));
    const byTwo = await allPages('', 2);
    assert.deepEqual(byTwo.map((p) => p.provisioners.length), [2, 1]);
    assert.deepEqual(byTwo.flatMap((p) => p.provisioners.map((x) => x.key.kid)), byOne);
  });

  for (const limit of ['0', '-1', 'abc', '1.5']) {
    it(`limit=${limit} is a 400 JSON error`, async () => {
      assertJsonError(await get(ca, `/provisioners?limit=${limit}`), 400, /limit/);
    });
  }

  for (const prefix of ['', '/1.0']) {
    it(`GET ${prefix}/provisioners/{kid}/encrypted-key decrypts with the password to the listed key`, async () => {
      const listed = ((await get(ca, '/provisioners')).body as Page).provisioners.find((p) => p.name === 'admin');
      assert.ok(listed);
      const res = await get(ca, `${prefix}/provisioners/${listed.key.kid}/encrypted-key`);
      assertOk(res);
      const { key } = res.body as { key: string };
      assert.equal(key, listed.encryptedKey);
      const header = decodeProtectedHeader(key);
      assert.equal(header.alg, 'PBES2-HS256+A128KW');
      assert.equal(header.cty, 'jwk+json');

      const priv = await decryptKey(key, ca.password);
      assert.equal(typeof priv.d, 'string', 'the JWE does not hold a private key');
      assert.equal(priv.kid, listed.key.kid);
      const { kty, crv, x, y } = listed.key;
      assert.deepEqual({ kty: priv.kty, crv: priv.crv, x: priv.x, y: priv.y }, { kty, crv, x, y });
      // The private half really is the listed key's: its own public part is the same point.
      const derived = createPublicKey(createPrivateKey({ key: priv as JsonWebKey, format: 'jwk' })).export({ format: 'jwk' });
      assert.deepEqual({ x: derived.x, y: derived.y }, { x, y });
    });
  }

  it("another provisioner's key decrypts with its own password only", async () => {
    const ops = ((await get(ca, '/provisioners')).body as Page).provisioners.find((p) => p.name === 'ops');
    assert.ok(ops);
    const { key } = (await get(ca, `/provisioners/${ops.key.kid}/encrypted-key`)).body as { key: string };
    assert.equal((await decryptKey(key, 'ops-password')).kid, ops.key.kid);
    await assert.rejects(decryptKey(key, ca.password));
  });

  it('an unknown kid is a 404 JSON error', async () => {
    assertJsonError(await get(ca, '/provisioners/no-such-kid/encrypted-key'), 404);
    assertJsonError(await get(ca, '/1.0/provisioners/no-such-kid/encrypted-key'), 404);
  });
});

describe('provisioner paging limits', () => {
  let ca: TestCa;
  const EXTRA = 105;

  before(async () => {
    const extra = await Promise.all(Array.from({ length: EXTRA }, (_, i) => publicOnlyProvisioner(`p${String(i).padStart(3, '0')}`)));
    ca = await startTestCa({ editConfig: withProvisioners(extra) });
  });
  after(async () => ca?.stop());

  it('without a limit, a page holds 20', async () => {
    const page = (await get(ca, '/provisioners')).body as Page;
    assert.equal(page.provisioners.length, 20);
    assert.notEqual(page.nextCursor, '');
  });

  it('a limit over 100 is capped at 100, and the next page holds the rest', async () => {
    const first = await get(ca, '/provisioners?limit=1000');
    assert.equal(first.status, 200);
    const page = first.body as Page;
    assert.equal(page.provisioners.length, 100);
    assert.notEqual(page.nextCursor, '');
    const rest = (await get(ca, `/provisioners?limit=1000&cursor=${encodeURIComponent(page.nextCursor)}`)).body as Page;
    assert.equal(rest.provisioners.length, EXTRA + 1 - 100);
    assert.equal(rest.nextCursor, '');
    const names = new Set([...page.provisioners, ...rest.provisioners].map((p) => p.name));
    assert.equal(names.size, EXTRA + 1);
  });

  it('a provisioner without an encrypted key answers 404 for it', async () => {
    const page = (await get(ca, '/provisioners?limit=100')).body as Page;
    const keyless = page.provisioners.find((p) => p.name !== 'admin');
    assert.ok(keyless);
    assert.equal(keyless.encryptedKey, undefined);
    assertJsonError(await get(ca, `/provisioners/${keyless.key.kid}/encrypted-key`), 404);
  });
});
