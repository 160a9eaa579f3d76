/**
 * The floor of a sign in Node, for `npm run bench:step-ca`: what node:https and Node's
 * crypto cost for one POST /1.0/sign before any of fedca's own decisions. Per request it
 * does only the work no CA can skip:
 * - reads the JSON body and decodes the token's header and claims;
 * - verifies the token's ES256 signature with the provisioner's key (imported once);
 * - reads the CSR and verifies its self-signature with its own key, through fedca's own
 *   readers (src/pki/csr.ts: the cheapest safe import measured, WebCrypto's raw EC point);
 * - signs a to-be-signed certificate of a leaf's size with a P-256 key;
 * - answers 201 with a JSON body of a sign answer's size.
 * No claims checked, no certificate built, no token burned, nothing stored.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify, type JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { parseCsrPem, verifyCsr } from '../../src/pki/csr.js';

/** About the size of a leaf's to-be-signed part (DER) and of its PEM in the answer. */
const TBS_BYTES = 520;
const LEAF_PEM = 'c'.repeat(900);
const INTERMEDIATE_PEM = 'i'.repeat(750);

/** The request handler of the sign floor, for the first JWK provisioner of the fedca home `home`. */
export function signFloorHandler(home: string): (req: IncomingMessage, res: ServerResponse) => void {
  const config = JSON.parse(readFileSync(join(home, 'config/ca.json'), 'utf8')) as { authority: { provisioners: { key: JsonWebKey }[] } };
  const provisionerKey = createPublicKey({ key: config.authority.provisioners[0].key, format: 'jwk' });
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const answer = async (body: string): Promise<number> => {
    const { ott, csr } = JSON.parse(body) as { ott: string; csr: string };
    const [header, claims, signature] = ott.split('.');
    JSON.parse(Buffer.from(header, 'base64url').toString());
    JSON.parse(Buffer.from(claims, 'base64url').toString());
    if (!verify('sha256', Buffer.from(`${header}.${claims}`), { key: provisionerKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'))) return 401;
    await verifyCsr(parseCsrPem(csr));
    sign('sha256', randomBytes(TBS_BYTES), signingKey);
    return 201;
  };
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      answer(Buffer.concat(chunks).toString())
        .catch(() => 400)
        .then((status) => {
          const out = status === 201 ? JSON.stringify({ crt: LEAF_PEM, ca: INTERMEDIATE_PEM, certChain: [LEAF_PEM, INTERMEDIATE_PEM] }) : '{"status":400}';
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        });
    });
  };
}
