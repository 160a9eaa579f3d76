/**
 * Normalises a CA URL: it must be an https URL with no query or fragment; a
 * trailing slash is dropped, so that endpoint paths and token audiences append cleanly.
 * Throws TypeError for anything else.
 */
export function normaliseCaUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`"${text}" is not a URL (expected https://host[:port])`);
  }
  if (url.protocol !== 'https:') throw new TypeError(`the CA URL must be https, not ${url.protocol.replace(/:$/, '')}`);
  if (url.search || url.hash) throw new TypeError('the CA URL must not have a query or fragment');
  return url.href.replace(/\/+$/, '');
}

/** The URL of an API path (such as "/roots") under a normalised CA URL. */
export function caEndpoint(caUrl: string, path: string): URL {
  return new URL(caUrl + path);
}
