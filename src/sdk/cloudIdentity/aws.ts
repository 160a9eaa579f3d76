import { createHash } from 'node:crypto';
import { SignJWT } from 'jose';
import { CloudIdentityError } from '../errors.js';
import { timeClaims } from '../tokenClaims.js';
import { askMetadataService, signAudience } from './metadataService.js';

const DOCUMENT_PATH = '/latest/dynamic/instance-identity/document';
const SIGNATURE_PATH = '/latest/dynamic/instance-identity/signature';
const SESSION_TOKEN_PATH = '/latest/api/token';
/** IMDSv2 session tokens are asked for 30 s: a fresh one per read, as step does. */
const SESSION_TTL_SECONDS = '30';

/** Reads one metadata path the ways `versions` allow, in order (step's default: v2, then v1). */
async function readMetadata(baseUrl: string, path: string, versions: readonly string[]): Promise<string> {
  for (const version of versions) {
    if (version === 'v2') {
      const session = await askMetadataService(baseUrl, { path: SESSION_TOKEN_PATH, method: 'PUT', headers: { 'X-aws-ec2-metadata-token-ttl-seconds': SESSION_TTL_SECONDS } }, 'AWS', true);
      if (session === undefined) continue;
      const answer = await askMetadataService(baseUrl, { path, headers: { 'X-aws-ec2-metadata-token': session } }, 'AWS', true);
      if (answer !== undefined) return answer;
    } else if (version === 'v1') {
      const answer = await askMetadataService(baseUrl, { path }, 'AWS', true);
      if (answer !== undefined) return answer;
    }
  }
  throw new CloudIdentityError(`the AWS metadata service refused ${path} (IMDS versions tried: ${versions.join(', ')})`);
}

/**
 * The token step's client builds on an EC2 instance (step-ca's AWS GetIdentityToken):
 * the instance identity document and its signature from the metadata service (IMDSv2
 * session first, as `imdsVersions` allow), in an HS256 JWT keyed by the signature:
 * `iss` ec2.amazonaws.com, `sub` the subject, `aud` `<caUrl>/1.0/sign#aws/NAME`, `jti`
 * sha256(`aws/NAME.<instance id>`), five minutes of life. Throws CloudIdentityError.
 */
export async function awsIdentityToken(baseUrl: string, caUrl: string, provisioner: string, subject: string, imdsVersions: readonly string[] = ['v2', 'v1']): Promise<string> {
  const document = await readMetadata(baseUrl, DOCUMENT_PATH, imdsVersions);
  const signatureText = await readMetadata(baseUrl, SIGNATURE_PATH, imdsVersions);
  let instanceId: unknown;
  try {
    ({ instanceId } = JSON.parse(document) as { instanceId?: unknown });
  } catch {
    throw new CloudIdentityError('the AWS instance identity document is not JSON');
  }
  if (typeof instanceId !== 'string' || instanceId === '') throw new CloudIdentityError('the AWS instance identity document has no instanceId');
  const signature = Buffer.from(signatureText.replace(/\s+/g, ''), 'base64');
  if (signature.length === 0) throw new CloudIdentityError('the AWS instance identity signature is empty or not base64');
  const id = `aws/${provisioner}`;
  const { iat, nbf, exp } = timeClaims();
  return new SignJWT({
    iss: 'ec2.amazonaws.com',
    sub: subject,
    aud: [signAudience(caUrl, id)],
    iat,
    nbf,
    exp,
    jti: createHash('sha256').update(`${id}.${instanceId}`).digest('hex'),
    amazon: { document: Buffer.from(document, 'utf8').toString('base64'), signature: signature.toString('base64') },
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(signature);
}
