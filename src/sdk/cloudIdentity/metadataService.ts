import { CloudIdentityError } from '../errors.js';

/** Where the clouds' instance metadata services answer (AWS, GCP and Azure alike). */
export const DEFAULT_METADATA_URL = 'http://169.254.169.254';
/** How long one request to the metadata service may take. */
const METADATA_TIMEOUT_MS = 10_000;
/** The most a metadata answer may hold (an identity document or token is a few KiB). */
const MAX_ANSWER_BYTES = 256 * 1024;

/** A request to the instance metadata service: path (with query) under its base URL, method and headers. */
export interface MetadataRequest {
  readonly path: string;
  readonly method?: 'GET' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
}

/** The body of `res`, read until it passes `limit` bytes (then cancelled: undefined). */
async function boundedBody(res: Response, limit: number): Promise<Buffer | undefined> {
  if (res.body === null) return Buffer.alloc(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

/**
 * Asks the instance metadata service at `baseUrl` and resolves the answer's body
 * (bounded in time and size), or undefined when it answers 4xx/5xx and `allowRefusal`.
 * Throws CloudIdentityError when it cannot be reached or refuses ("are you in a VM of this cloud?").
 */
export async function askMetadataService(baseUrl: string, request: MetadataRequest, cloud: string, allowRefusal = false): Promise<string | undefined> {
  const url = new URL(request.path, `${baseUrl.replace(/\/+$/, '')}/`);
  let res: Response;
  try {
    res = await fetch(url, { method: request.method ?? 'GET', headers: request.headers, redirect: 'error', signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
  } catch (err) {
    throw new CloudIdentityError(`cannot reach the ${cloud} metadata service at ${url.origin} (${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}): is this a ${cloud} machine?`);
  }
  const body = await boundedBody(res, MAX_ANSWER_BYTES);
  if (body === undefined) throw new CloudIdentityError(`the ${cloud} metadata service sent more than ${MAX_ANSWER_BYTES} bytes for ${url.pathname}`);
  if (res.status >= 400) {
    if (allowRefusal) return undefined;
    throw new CloudIdentityError(`the ${cloud} metadata service answered ${res.status} for ${url.pathname}: ${body.toString('utf8').slice(0, 200)}`);
  }
  return body.toString('utf8');
}

/** step's sign audience for a cloud provisioner: `<caUrl>/1.0/sign#<provisioner id>`. */
export function signAudience(caUrl: string, provisionerId: string): string {
  const url = new URL('/1.0/sign', caUrl);
  url.hash = provisionerId;
  return url.href;
}
