import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileWriteError } from '../src/files/errors.js';
import { readFileIfExists, readFileOr } from '../src/files/readFile.js';
import { replaceFile, replaceFiles } from '../src/files/replaceFiles.js';
import { tempDir } from './helpers/testCa.js';

const mode = (file: string): number => statSync(file).mode & 0o777;

describe('files: the one atomic writer, and reading a file or saying why', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir('fedca-files-');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces files with their new content and mode, leaving no temporary file', () => {
    const crt = join(dir, 'svc.crt');
    const key = join(dir, 'svc.key');
    writeFileSync(key, 'old key', { mode: 0o644 });
    replaceFiles([
      { file: crt, content: 'chain', mode: 0o644 },
      { file: key, content: Buffer.from('new key'), mode: 0o600 },
    ]);
    assert.equal(readFileSync(crt, 'utf8'), 'chain');
    assert.equal(readFileSync(key, 'utf8'), 'new key');
    assert.equal(mode(key), 0o600, 'the old, wider mode is gone with the old file');
    assert.deepEqual(readdirSync(dir).sort(), ['svc.crt', 'svc.key']);
  });

  it('without overwrite, refuses a file that exists (EEXIST) and keeps it', () => {
    const file = join(dir, 'roots.crt');
    replaceFile(file, 'first', 0o644, false);
    assert.throws(() => replaceFile(file, 'second', 0o644, false), (err: Error) => err instanceof FileWriteError && err.message === `cannot write ${file} (EEXIST)`);
    assert.equal(readFileSync(file, 'utf8'), 'first');
    assert.deepEqual(readdirSync(dir), ['roots.crt']);
  });

  it('writes none of the files when one cannot be written, naming it and the errno code', () => {
    const kept = join(dir, 'kept.crt');
    writeFileSync(kept, 'old');
    const missing = join(dir, 'no-such-dir', 'x.key');
    assert.throws(
      () => replaceFiles([{ file: kept, content: 'new', mode: 0o644 }, { file: missing, content: 'k', mode: 0o600 }]),
      (err: Error) => err instanceof FileWriteError && err.message === `cannot write ${missing} (ENOENT)`,
    );
    assert.equal(readFileSync(kept, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir), ['kept.crt']);
  });

  it('reads a file, or throws the caller\'s error naming the errno code; undefined for a missing file when asked', () => {
    const file = join(dir, 'ca.json');
    writeFileSync(file, '{}');
    assert.equal(readFileOr(file, () => new Error('unreachable')).toString(), '{}');
    assert.throws(() => readFileOr(join(dir, 'nope'), (code) => new RangeError(`cannot read nope (${code})`)), /^RangeError: cannot read nope \(ENOENT\)$/);
    assert.equal(readFileIfExists(join(dir, 'nope'), () => new Error('unreachable')), undefined);
    mkdirSync(join(dir, 'folder'));
    assert.throws(() => readFileIfExists(join(dir, 'folder'), (code) => new Error(`cannot read folder (${code})`)), /cannot read folder \(EISDIR\)/);
  });
});
