import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAddress } from '../src/config/address.js';
import type { CaConfig } from '../src/config/caConfig.js';
import { formatDuration, parseDuration } from '../src/config/duration.js';
import { loadConfig, validateConfig } from '../src/config/load.js';
import { ConfigError } from '../src/config/errors.js';
import { tempDir } from './helpers/testCa.js';

/** A valid ca.json as init writes it (the provisioner key trimmed to what validation reads). */
function validRaw(): Record<string, unknown> {
  return {
    root: 'pki/root_ca.crt',
    federatedRoots: [],
    crt: 'pki/intermediate_ca.crt',
    key: 'pki/secrets/intermediate_ca_key',
    address: '127.0.0.1:9000',
    dnsNames: ['localhost', '127.0.0.1'],
    db: { type: 'sqlite', dataSource: 'db/fedca.sqlite' },
    authority: {
      claims: { minTLSCertDuration: '5m', maxTLSCertDuration: '24h', defaultTLSCertDuration: '24h' },
      provisioners: [{ type: 'JWK', name: 'admin', key: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'kid-1' }, encryptedKey: 'a.b.c.d.e' }],
    },
    crl: { enabled: true },
  };
}

/** validateConfig of the valid config after `edit`. */
function validateEdited(edit: (raw: Record<string, unknown>) => void): CaConfig {
  const raw = validRaw();
  edit(raw);
  return validateConfig(raw);
}

const authorityOf = (raw: Record<string, unknown>) => raw.authority as { claims: Record<string, unknown>; provisioners: Record<string, unknown>[] };

describe('config', () => {
  describe('validateConfig', () => {
    it('accepts what init writes, with defaults filled in', () => {
      const config = validateConfig(validRaw());
      assert.deepEqual(config.root, ['pki/root_ca.crt']);
      assert.equal(config.authority.provisioners[0].name, 'admin');
      assert.deepEqual(config.crl, { enabled: true, cacheDuration: undefined });
    });

    it("reads step-ca's postgresql db: dataSource URL, database, and fedca's passwordFile", () => {
      const db = { type: 'postgresql', dataSource: 'postgresql://fedca@db.internal:5432/', database: 'ca', passwordFile: '/run/secrets/db' };
      assert.deepEqual(validateEdited((raw) => (raw.db = db)).db, db);
    });

    it('fills in the sqlite store and an enabled CRL when db and crl are absent', () => {
      const config = validateEdited((raw) => {
        delete raw.db;
        delete raw.crl;
      });
      assert.deepEqual(config.db, { type: 'sqlite', dataSource: 'db/fedca.sqlite' });
      assert.equal(config.crl.enabled, true);
    });

    it('accepts a list of roots', () => {
      assert.deepEqual(validateEdited((raw) => (raw.root = ['a.crt', 'b.crt'])).root, ['a.crt', 'b.crt']);
    });

    for (const address of ['0.0.0.0:9000', ':9000', '[::]:443', '[::1]:0', 'ca.example.test:65535']) {
      it(`accepts the address ${address}`, () => {
        assert.equal(validateEdited((raw) => (raw.address = address)).address, address);
      });
    }

    it('refuses a document that is not an object', () => {
      for (const raw of [[], 'x', null, 1]) assert.throws(() => validateConfig(raw), (e: Error) => e instanceof ConfigError && e.message === 'ca.json: must be a JSON object');
    });

    const refusals: [string, (raw: Record<string, unknown>) => void, RegExp][] = [
      ['no root', (raw) => delete raw.root, /^root: is required$/],
      ['no crt', (raw) => delete raw.crt, /^crt: is required$/],
      ['an empty key', (raw) => (raw.key = ''), /^key: must be a non-empty string$/],
      ['no address', (raw) => delete raw.address, /^address: is required$/],
      ['an address without a port', (raw) => (raw.address = 'localhost'), /^address: must be HOST:PORT/],
      ['an IPv6 address without brackets', (raw) => (raw.address = '::1:9000'), /^address: must be HOST:PORT/],
      ['a port over 65535', (raw) => (raw.address = '127.0.0.1:65536'), /^address: must be HOST:PORT/],
      ['dnsNames not a list', (raw) => (raw.dnsNames = 'localhost'), /^dnsNames: must be a list of non-empty strings$/],
      ['no dnsNames', (raw) => (raw.dnsNames = []), /^dnsNames: must list at least one name$/],
      ['a federated root that is not a string', (raw) => (raw.federatedRoots = [1]), /^federatedRoots: must be a list/],
      ['an unknown db type', (raw) => (raw.db = { type: 'oracle', dataSource: 'x' }), /^db\.type: unsupported database type "oracle"/],
      ['step-ca\'s badgerv2 store (adopt it instead)', (raw) => (raw.db = { type: 'badgerv2', dataSource: '/home/step/db' }), /^db\.type: "badgerv2" is step-ca's database.*fedca init --from-step-ca/],
      ['step-ca\'s MySQL store (adopt it instead)', (raw) => (raw.db = { type: 'MySQL', dataSource: 'root@tcp(127.0.0.1:3306)/' }), /^db\.type: "mysql" is step-ca's database.*fedca init --from-step-ca/],
      ['a db without dataSource', (raw) => (raw.db = { type: 'sqlite' }), /^db\.dataSource: is required$/],
      ['a postgresql dataSource that is not a URL', (raw) => (raw.db = { type: 'postgresql', dataSource: 'host=db user=fedca' }), /^db\.dataSource: must be a postgresql:\/\/ URL/],
      ['a postgresql database that is not a string', (raw) => (raw.db = { type: 'postgresql', dataSource: 'postgresql://db/', database: 5 }), /^db\.database: must be a non-empty string$/],
      ['a passwordFile for sqlite', (raw) => (raw.db = { type: 'sqlite', dataSource: 'db/x.sqlite', passwordFile: 'pw' }), /^db\.passwordFile: applies to "postgresql" only$/],
      ['authority not an object', (raw) => (raw.authority = []), /^authority: must be an object$/],
      ['provisioners not a list', (raw) => ((raw.authority as Record<string, unknown>).provisioners = {}), /^authority\.provisioners: must be a list$/],
      ['a bad duration', (raw) => (authorityOf(raw).claims.maxTLSCertDuration = '1d'), /^authority\.claims\.maxTLSCertDuration: must be a positive duration/],
      ['a zero duration', (raw) => (authorityOf(raw).claims.minTLSCertDuration = '0s'), /^authority\.claims\.minTLSCertDuration: must be a positive duration/],
      ['min over max', (raw) => (authorityOf(raw).claims.minTLSCertDuration = '25h'), /^authority\.claims\.minTLSCertDuration: is longer than maxTLSCertDuration$/],
      ['default under min', (raw) => (authorityOf(raw).claims.defaultTLSCertDuration = '1m'), /^authority\.claims\.defaultTLSCertDuration: is shorter than minTLSCertDuration$/],
      ['disableRenewal not a boolean', (raw) => (authorityOf(raw).claims.disableRenewal = 'yes'), /^authority\.claims\.disableRenewal: must be true or false$/],
      ['a provisioner without a name', (raw) => delete authorityOf(raw).provisioners[0].name, /^authority\.provisioners\[0\]\.name: is required$/],
      ['two provisioners with one name', (raw) => authorityOf(raw).provisioners.push({ ...authorityOf(raw).provisioners[0] }), /^authority\.provisioners\[1\]\.name: duplicate provisioner name "admin"$/],
      ['crl.enabled not a boolean', (raw) => (raw.crl = { enabled: 'true' }), /^crl\.enabled: must be true or false$/],
    ];
    for (const [what, edit, message] of refusals) {
      it(`refuses ${what}, naming the key`, () => {
        const raw = validRaw();
        edit(raw);
        assert.throws(() => validateConfig(raw), (err: unknown) => err instanceof ConfigError && message.test(err.message) && !err.message.includes('\n'));
      });
    }
  });

  describe('step-ca\'s ca.json as step ca init writes it', () => {
    /** The shape `step ca init` (0.19) writes, with its empty values. */
    function stepInitRaw(): Record<string, unknown> {
      const raw = validRaw();
      return {
        ...raw,
        root: '/home/step/.step/certs/root_ca.crt',
        federatedRoots: null,
        insecureAddress: '',
        logger: { format: 'text' },
        db: { type: 'sqlite', dataSource: 'db/fedca.sqlite', badgerFileLoadingMode: '' },
        authority: { provisioners: [{ ...authorityOf(raw).provisioners[0], type: 'jwk' }], enableAdmin: false },
        tls: { cipherSuites: ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'], minVersion: 1.2, maxVersion: 1.3, renegotiation: false },
        password: 'from-ca-json',
      };
    }

    it('reads it: null lists, any-case provisioner types, logger, tls and password, with nothing to warn about', () => {
      const config = validateConfig(stepInitRaw());
      assert.deepEqual(config.federatedRoots, []);
      assert.equal(config.authority.provisioners[0].type, 'JWK');
      assert.equal(config.password, 'from-ca-json');
      assert.equal(config.tls.ciphers?.includes('ECDHE-ECDSA-CHACHA20-POLY1305'), true);
      assert.deepEqual(config.ignored, []);
    });

    it('names every key fedca does not implement, at every level', () => {
      const raw = stepInitRaw();
      raw.ssh = { hostKey: '/x', userKey: '/y' };
      raw.kms = { type: 'softkms' };
      const authority = raw.authority as Record<string, unknown> & { provisioners: Record<string, unknown>[] };
      authority.claims = { minTLSCertDuration: '5m', enableSSHCA: true, maxUserSSHCertDuration: '24h' };
      authority.backdate = '2m';
      authority.provisioners[0].claims = { disableRenewal: true, minHostSSHCertDuration: '5m' };
      authority.provisioners[0].options = { x509: { templateFile: 'templates/x509/leaf.tpl' } };
      assert.deepEqual([...validateConfig(raw).ignored].sort(), [
        'authority.backdate',
        'authority.claims.enableSSHCA',
        'authority.claims.maxUserSSHCertDuration',
        'authority.provisioners[0].claims.minHostSSHCertDuration',
        'authority.provisioners[0].options.x509',
        'kms',
        'ssh',
      ]);
    });

    it('refuses a bad tls block or password, naming the key', () => {
      assert.throws(() => validateConfig({ ...stepInitRaw(), tls: { minVersion: 1.0 } }), /tls\.minVersion: TLS 1 is not offered/);
      assert.throws(() => validateConfig({ ...stepInitRaw(), tls: { cipherSuites: ['TLS_NOPE'] } }), /tls\.cipherSuites: unknown or unsupported cipher suite "TLS_NOPE"/);
      assert.throws(() => validateConfig({ ...stepInitRaw(), password: 12 }), /password: must be a string/);
    });
  });

  describe('loadConfig', () => {
    let home: string;
    beforeEach(() => {
      home = tempDir();
      mkdirSync(join(home, 'config'));
    });
    afterEach(() => rmSync(home, { recursive: true, force: true }));

    it('reads config/ca.json of a home', () => {
      writeFileSync(join(home, 'config/ca.json'), JSON.stringify(validRaw()));
      assert.equal(loadConfig(home).address, '127.0.0.1:9000');
    });

    it('names the file when it is missing or not JSON, and the file and key when a value is wrong', () => {
      const file = join(home, 'config/ca.json');
      assert.throws(() => loadConfig(home), (e: Error) => e instanceof ConfigError && e.message.startsWith(`${file}: cannot read`));
      writeFileSync(file, '{"root": ');
      assert.throws(() => loadConfig(home), (e: Error) => e instanceof ConfigError && e.message.startsWith(`${file}: not valid JSON`) && !e.message.includes('\n'));
      writeFileSync(file, JSON.stringify({ ...validRaw(), dnsNames: [] }));
      assert.throws(() => loadConfig(home), (e: Error) => e instanceof ConfigError && e.message === `${file}: dnsNames: must list at least one name`);
    });
  });

  describe('parseAddress', () => {
    it('splits host and port, brackets off IPv6, no host for ":PORT"', () => {
      assert.deepEqual(parseAddress('127.0.0.1:9000'), { host: '127.0.0.1', port: 9000 });
      assert.deepEqual(parseAddress('0.0.0.0:9000'), { host: '0.0.0.0', port: 9000 });
      assert.deepEqual(parseAddress('[::1]:443'), { host: '::1', port: 443 });
      assert.deepEqual(parseAddress(':9000'), { host: undefined, port: 9000 });
    });
    it('refuses what it cannot listen on', () => {
      for (const bad of ['9000', 'localhost', '::1:9000', 'host:port', 'host:70000']) assert.throws(() => parseAddress(bad), /HOST:PORT/, bad);
    });
  });

  describe('durations', () => {
    it('parses Go-style durations', () => {
      assert.equal(parseDuration('24h'), 24 * 3600_000);
      assert.equal(parseDuration('1h30m'), 90 * 60_000);
      assert.equal(parseDuration('1.5h'), 90 * 60_000);
      assert.equal(parseDuration('300ms'), 300);
      assert.equal(parseDuration('-5m'), -300_000);
      assert.equal(parseDuration('0'), 0);
    });
    it('refuses what is not one', () => {
      for (const bad of ['', '1d', '5', 'h', '1h 30m', '1hm']) assert.equal(parseDuration(bad), undefined, bad);
    });
    it('formats like Go', () => {
      assert.equal(formatDuration(24 * 3600_000), '24h0m0s');
      assert.equal(formatDuration(90_000), '1m30s');
      assert.equal(formatDuration(5000), '5s');
    });
  });
});
