import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { children, readInteger, readRoot } from './der.js';
import { pemBlocks } from './pem.js';

/** The three files of `aws acm import-certificate`, as text. */
export interface AcmImport {
  readonly certificate: string;
  readonly privateKey: string;
  readonly chain: string;
}

/** ACM's limit on an imported private key (AWS: "must not be larger than 5 KB (5,120 bytes)"). */
export const ACM_MAX_KEY_BYTES = 5_120;

/** The key algorithms ACM imports (RSA_1024 … RSA_4096, EC_prime256v1, EC_secp384r1, EC_secp521r1). */
const ACM_KEYS: ReadonlySet<string> = new Set(['rsa 1024', 'rsa 2048', 'rsa 3072', 'rsa 4096', 'ec prime256v1', 'ec secp384r1', 'ec secp521r1']);

const keyName = (key: KeyObject): string => {
  const d = key.asymmetricKeyDetails;
  return key.asymmetricKeyType === 'rsa' ? `rsa ${d?.modulusLength}` : key.asymmetricKeyType === 'ec' ? `ec ${d?.namedCurve}` : `${key.asymmetricKeyType}`;
};

/** One rule of ACM's import prerequisites: its name, and the problem it finds (undefined: met). */
interface Rule {
  readonly name: string;
  readonly check: (files: AcmImport, now: Date) => string | undefined;
}

const single = (text: string, label: string): Buffer | undefined => {
  const blocks = pemBlocks(text);
  return blocks.length === 1 && blocks[0].label === label ? blocks[0].der : undefined;
};

/** True when a DER certificate's TBS starts with version [0] INTEGER 2 (v3). */
function isVersion3(der: Buffer): boolean {
  const [tbs] = children(der, readRoot(der));
  const [version] = children(der, tbs);
  return version?.tag === 0xa0 && readInteger(der, children(der, version)[0]) === 2n;
}

const leafOf = (files: AcmImport): X509Certificate => new X509Certificate(files.certificate);
const keyOf = (files: AcmImport): KeyObject => createPrivateKey(files.privateKey);

/**
 * ACM's import prerequisites, in the order a reader of AWS's documentation meets
 * them. Each rule assumes the ones before it hold.
 */
const RULES: readonly Rule[] = [
  { name: 'certificate is one PEM certificate', check: (f) => (single(f.certificate, 'CERTIFICATE') ? undefined : 'certificate.pem must hold exactly one PEM "CERTIFICATE" block') },
  { name: 'certificate is X.509 version 3', check: (f) => (isVersion3(single(f.certificate, 'CERTIFICATE') ?? Buffer.alloc(0)) ? undefined : 'the certificate is not X.509 v3') },
  {
    name: 'certificate names a domain or IP address',
    check: (f) => {
      const leaf = leafOf(f);
      return leaf.subjectAltName || /CN=/.test(leaf.subject) ? undefined : 'the certificate names no domain (FQDN) or IP address';
    },
  },
  {
    name: 'certificate is valid at import',
    check: (f, now) => {
      const leaf = leafOf(f);
      if (now < new Date(leaf.validFrom)) return `the certificate is not valid before ${new Date(leaf.validFrom).toISOString()}`;
      if (now >= new Date(leaf.validTo)) return `the certificate expired at ${new Date(leaf.validTo).toISOString()}`;
      return undefined;
    },
  },
  {
    name: 'private key is unencrypted PEM',
    check: (f) => {
      const blocks = pemBlocks(f.privateKey);
      if (blocks.length !== 1 || !/^(RSA |EC )?PRIVATE KEY$/.test(blocks[0].label)) return 'private-key.pem must hold one unencrypted PEM private key ("PRIVATE KEY", not "ENCRYPTED PRIVATE KEY")';
      try {
        keyOf(f);
      } catch {
        return 'the private key cannot be read without a passphrase';
      }
      return undefined;
    },
  },
  {
    name: 'private key is at most 5 KB',
    check: (f) => (Buffer.byteLength(f.privateKey) > ACM_MAX_KEY_BYTES ? `the private key is ${Buffer.byteLength(f.privateKey)} bytes; ACM takes at most ${ACM_MAX_KEY_BYTES}` : undefined),
  },
  { name: 'key algorithm ACM imports', check: (f) => (ACM_KEYS.has(keyName(keyOf(f))) ? undefined : `ACM does not import ${keyName(keyOf(f))} keys`) },
  { name: 'private key matches the certificate', check: (f) => (leafOf(f).checkPrivateKey(keyOf(f)) ? undefined : 'the private key is not the certificate\'s') },
  {
    name: 'chain is PEM certificates',
    check: (f) => {
      const blocks = pemBlocks(f.chain);
      return blocks.length > 0 && blocks.every((b) => b.label === 'CERTIFICATE') ? undefined : 'certificate-chain.pem must hold one or more PEM "CERTIFICATE" blocks';
    },
  },
  {
    name: 'chain does not include the certificate',
    check: (f) => (pemBlocks(f.chain).some((b) => b.der.equals(leafOf(f).raw)) ? 'the chain holds the certificate itself' : undefined),
  },
  {
    name: 'each chain certificate certifies the one before',
    check: (f) => {
      const chain = [leafOf(f), ...pemBlocks(f.chain).map((b) => new X509Certificate(b.der))];
      for (let i = 1; i < chain.length; i++) {
        if (!chain[i - 1].checkIssued(chain[i]) || !chain[i - 1].verify(chain[i].publicKey)) return `chain certificate ${i} (${chain[i].subject.replace(/\n/g, ', ')}) did not issue ${i === 1 ? 'the certificate' : `chain certificate ${i - 1}`}`;
      }
      return undefined;
    },
  },
];

/**
 * Checks the files of an ACM import against every prerequisite AWS documents
 * (PEM, X.509 v3, a name, valid now, unencrypted key of at most 5 KB of an
 * algorithm ACM takes and matching the certificate, a chain in order without the
 * leaf). Resolves the first rule that fails, as "rule: problem", or undefined.
 */
export function acmImportProblem(files: AcmImport, now = new Date()): string | undefined {
  for (const rule of RULES) {
    let problem: string | undefined;
    try {
      problem = rule.check(files, now);
    } catch (err) {
      problem = (err as Error).message;
    }
    if (problem) return `${rule.name}: ${problem}`;
  }
  return undefined;
}
