import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../..', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The npm package an import specifier names (`@scope/name` or `name`), or undefined for node: and relative imports. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('node:')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('what the installed CA needs (npm ci --omit=dev, as the Dockerfile prunes)', () => {
  it('src/ imports no package that is only a devDependency', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing: string[] = [];
    for (const file of sources(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      // Static imports and re-exports (type-only ones vanish at compile time), side-effect imports, dynamic imports.
      const statements = /^\s*(?:import|export)\s+(type\s)?[^;]*?\sfrom\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
      for (const m of text.matchAll(statements)) {
        if (m[1]) continue;
        const name = packageOf(m[2] ?? m[3] ?? m[4]);
        if (name && !(name in manifest.dependencies)) missing.push(`${file.slice(ROOT.length)}: ${name}`);
      }
    }
    assert.deepEqual(missing, []);
  });
});
