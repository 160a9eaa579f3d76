import { spawn } from 'node:child_process';
import { logIn, type SingleSignOnSettings } from '../sdk/singleSignOn.js';

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
 * Runs the login at an OIDC provisioner's identity provider for a person at the
 * terminal: prints the URL on stderr, opens a browser when there is one, waits for
 * the redirect on 127.0.0.1 and resolves the ID token. Throws what `logIn` throws.
 */
export function logInAtTerminal(settings: SingleSignOnSettings): Promise<string> {
  return logIn(settings, {
    onAuthorizationUrl(url) {
      process.stderr.write(`Log in at the identity provider of "${settings.name}" to continue; open this URL in a browser:\n\n  ${url}\n\n`);
      openBrowser(url);
    },
  });
}
