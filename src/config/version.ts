import { readFileSync } from 'node:fs';

/** fedca's version, from its package.json (dist/src/config → repo root). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
