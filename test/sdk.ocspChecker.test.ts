import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from '../src/pki/fingerprint.js';
import { pemDers } from '../src/pki/pem.js';
import { CaClient } from '../src/sdk/caClient.js';
import { OcspChecker } from '../src/sdk/ocspChecker.js';
import { issueCertificate, revokeCertificate } from './helpers/issued.js';
import { closedPort } from './helpers/ports.js';
import { startTestCa, type TestCa } from './helpers/testCa.js';
import { provisionerKey, type ProvisionerKey } from './helpers/tokens.js';

describe('OcspChecker against the CA responder', () => {
  let ca: TestCa;
  let p: ProvisionerKey;
  let client: CaClient;
  let issuerFingerprint: string;

  before(async () => {
    ca = await startTestCa();
    p = await provisionerKey(ca);
    client = new CaClient({ caUrl: ca.url, rootPem: ca.rootPem });
    issuerFingerprint = fingerprint(pemDers(readFileSync(join(ca.home, 'pki/intermediate_ca.crt'), 'utf8'))[0]);
  });
  after(async () => {
    client.close();
    await ca.stop();
  });

  it('CaClient.intermediates lists the issuing intermediate', async () => {
    const [pem] = await client.intermediates();
    assert.equal(fingerprint(pemDers(pem)[0]), issuerFingerprint);
  });

  it('good, revoked (with time and reason) and unknown, in one request', async () => {
    const live = await issueCertificate(ca, p, 'checker-good.internal');
    const gone = await issueCertificate(ca, p, 'checker-revoked.internal');
    await revokeCertificate(ca, p, gone.serial, 4);
    const colonUpper = issuerFingerprint.toUpperCase().replace(/(..)(?!$)/g, '$1:');
    const verdicts = await new OcspChecker(client).check([
      { serial: BigInt(live.serial), issuerFingerprint: colonUpper },
      { serial: BigInt(gone.serial), issuerCommonName: 'Test Intermediate CA' },
      { serial: 4242n, issuerFingerprint },
    ]);
    assert.deepEqual(verdicts[0], { kind: 'good' });
    assert.equal(verdicts[1].kind, 'revoked');
    assert.equal(verdicts[1].kind === 'revoked' && verdicts[1].reasonCode, 4);
    assert.deepEqual(verdicts[2], { kind: 'unknown', reason: 'the CA does not know this certificate' });
  });

  it('more certificates than one request holds are asked in batches', async () => {
    const live = await issueCertificate(ca, p, 'checker-batch.internal');
    const certs = Array.from({ length: 7 }, (_, i) => ({ serial: i === 5 ? BigInt(live.serial) : BigInt(1000 + i), issuerFingerprint }));
    const verdicts = await new OcspChecker(client, { batchSize: 3 }).check(certs);
    assert.deepEqual(
      verdicts.map((v) => v.kind),
      ['unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'good', 'unknown'],
    );
  });

  it('a certificate of another issuer is unknown, without asking', async () => {
    const [verdict] = await new OcspChecker(client).check([{ serial: 1n, issuerCommonName: 'Someone Else CA' }]);
    assert.equal(verdict.kind, 'unknown');
    assert.match(verdict.kind === 'unknown' ? verdict.reason : '', /Someone Else CA.*not an intermediate of the CA/);
  });

  it('an unreachable CA is unanswerable, saying why', async () => {
    const nowhere = new CaClient({ caUrl: `https://127.0.0.1:${await closedPort()}`, rootPem: ca.rootPem });
    try {
      const [verdict] = await new OcspChecker(nowhere).check([{ serial: 1n, issuerFingerprint }]);
      assert.equal(verdict.kind, 'unanswerable');
      assert.match(verdict.kind === 'unanswerable' ? verdict.reason : '', /cannot fetch the CA's intermediates: cannot reach the CA/);
    } finally {
      nowhere.close();
    }
  });

  it('a response that does not verify (clock far off) is unanswerable, not trusted', async () => {
    const live = await issueCertificate(ca, p, 'checker-clock.internal');
    const late = new OcspChecker(client, { now: () => new Date(Date.now() + 3_600_000) });
    const [verdict] = await late.check([{ serial: BigInt(live.serial), issuerFingerprint }]);
    assert.equal(verdict.kind, 'unanswerable');
    assert.match(verdict.kind === 'unanswerable' ? verdict.reason : '', /nextUpdate|not signed/);
  });
});
