import { parseHttpsUrl } from '../config/httpsUrl.js';

/**
 * Normalises a CA URL by the rule of parseHttpsUrl (https, a host, no query,
 * fragment or credentials; no trailing slash). Throws TypeError ("the CA URL must ...") for anything else.
 */
export function normaliseCaUrl(text: string): string {
  try {
    return parseHttpsUrl(text);
  } catch (err) {
    throw new TypeError(`the CA URL ${(err as Error).message}`);
  }
}

/** The URL of an API path (such as "/roots") under a normalised CA URL. */
export function caEndpoint(caUrl: string, path: string): URL {
  return new URL(caUrl + path);
}
