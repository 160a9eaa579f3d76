import { spawn } from 'node:child_process';
import type { CaClient } from '../sdk/caClient.js';
import { logIn, singleSignOnSettings } from '../sdk/singleSignOn.js';

/** Opens `url` in the desktop's browser when there is a desktop; a failure to open is not an error (the URL is printed). */
function openBrowser(url: string): void {
  const opener =
    process.platform === 'darwin' ? ['open', url] : process.platform === 'win32' ? ['cmd', '/c', 'start', '""', url] : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? ['xdg-open', url] : undefined;
  if (!opener) return;
  const child = spawn(opener[0], opener.slice(1), { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

/**
 * The token of the provisioner named `name` when it is an OIDC one: runs the login
 * at its identity provider (prints the URL on stderr, opens a browser when there is
 * one, waits for the redirect on 127.0.0.1) and resolves the ID token. Resolves
 * undefined for a provisioner of another type (or none named), which mints its own.
 * Throws what the SDK throws (SingleSignOnError, CaError, ...).
 */
export async function singleSignOnToken(client: CaClient, name: string | undefined): Promise<string | undefined> {
  if (name === undefined) return undefined;
  const entry = (await client.provisioners()).find((p) => p.name === name);
  if (entry?.type !== 'OIDC') return undefined;
  const settings = await singleSignOnSettings(client, name);
  return logIn(settings, {
    onAuthorizationUrl(url) {
      process.stderr.write(`Log in at the identity provider of "${name}" to continue; open this URL in a browser:\n\n  ${url}\n\n`);
      openBrowser(url);
    },
  });
}
