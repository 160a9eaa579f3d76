/** True for a `postgresql://` or `postgres://` URL with a host. */
export function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgresql:' || url.protocol === 'postgres:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A database URL without its password, for messages and logs. */
export function redactedUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    return '(a malformed URL)';
  }
}
