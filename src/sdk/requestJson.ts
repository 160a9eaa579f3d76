import { CaConnectionError } from './errors.js';
import { requestCa, type CaRequestOptions } from './caRequest.js';

/** How to send one JSON request to the CA. */
export type JsonRequestOptions = Omit<CaRequestOptions, 'accept'>;

/**
 * Sends a request over HTTPS and parses the JSON answer.
 * Throws what `requestCa` throws, and CaConnectionError when a 2xx answer is not JSON.
 */
export async function requestJson(url: URL, options: JsonRequestOptions): Promise<unknown> {
  const answer = await requestCa(url, options);
  try {
    return JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw new CaConnectionError(`the CA's answer to ${options.method ?? 'GET'} ${url.pathname} is not JSON`);
  }
}
