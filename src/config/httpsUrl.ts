/**
 * The one rule for the URL of a CA (the SDK's CA URL, a federation peer's `url`):
 * an https URL with a host and no query, fragment or credentials; a trailing
 * slash is dropped, so that endpoint paths and token audiences append cleanly.
 * Returns it normalised; throws TypeError saying what is wrong.
 */
export function parseHttpsUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TypeError(`must be an https URL such as "https://ca.example:9000", got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'https:') throw new TypeError(`must be an https URL, not ${url.protocol.replace(/:$/, '')}`);
  if (url.hostname === '') throw new TypeError(`must be an https URL with a host, got ${JSON.stringify(text)}`);
  if (url.search || url.hash || url.username || url.password) throw new TypeError('must not have a query, fragment or credentials');
  return url.href.replace(/\/+$/, '');
}
