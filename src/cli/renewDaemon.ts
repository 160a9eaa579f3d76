import { X509Certificate } from 'node:crypto';
import { statSync } from 'node:fs';
import { formatDuration } from '../config/duration.js';
import { replaceFiles } from '../files/replaceFiles.js';
import type { ClientCertificate } from '../sdk/clientCertificate.js';
import type { SignResponse } from '../sdk/wire.js';
import { sleepUntil, unlessAborted } from './abortableWait.js';
import { runExecHook } from './execHook.js';
import { chainPem, serialText } from './issued.js';
import { RenewalSchedule, validityOf } from '../sdk/renewalSchedule.js';

/** What `fedca renew --daemon` keeps renewing, and how. */
export interface RenewDaemonOptions {
  /** The certificate to renew first (chain, leaf first) and its key, which renewals keep. */
  readonly certificate: ClientCertificate;
  /** Where each new chain is written (atomically). */
  readonly crtFile: string;
  /** Renews a certificate: over mTLS, or with a renew token. */
  readonly renew: (certificate: ClientCertificate) => Promise<SignResponse>;
  /** Renew when the certificate expires within this, if that comes before 2/3 of its lifetime. */
  readonly expiresInMs?: number;
  /** Renew at once rather than at the first due time. */
  readonly immediately?: boolean;
  /** A command for `sh -c` after each renewal. */
  readonly exec?: string;
  /** Writes one log line. */
  readonly log: (line: string) => void;
}

const describeLeaf = (leaf: X509Certificate): string => `serial ${serialText(leaf)}, not after ${new Date(leaf.validTo).toISOString()}`;

/**
 * Renews a certificate for as long as the process runs: at 2/3 of each
 * certificate's lifetime (± a small jitter), retrying failures with exponential
 * backoff, writing each chain atomically and running `exec` after each renewal.
 * Logs one line per renewal and per failure. Resolves on SIGTERM or SIGINT
 * (waiting for a running `exec` command, not for a renewal request in flight).
 */
export async function runRenewDaemon(options: RenewDaemonOptions): Promise<void> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    options.log(`stopping on ${signal}`);
    stop.abort();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const keyPem = options.certificate.keyPem;
    let certPem = options.certificate.certPem;
    let leaf = new X509Certificate(certPem);
    // The file's mtime says when the certificate was received (fedca writes it then).
    const schedule = new RenewalSchedule(validityOf(leaf, statSync(options.crtFile).mtime), { expiresInMs: options.expiresInMs });
    let wakeAt = options.immediately ? new Date() : schedule.due;
    options.log(`watching ${options.crtFile} (${describeLeaf(leaf)}): next renewal at ${wakeAt.toISOString()}`);
    while (await sleepUntil(wakeAt, stop.signal)) {
      try {
        const signed = await unlessAborted(options.renew({ certPem, keyPem }), stop.signal);
        if (!signed) break;
        // The new certificate is the one to renew next, even if saving it fails below.
        certPem = chainPem(signed);
        leaf = new X509Certificate(signed.crt);
        const receivedAt = new Date();
        replaceFiles([{ file: options.crtFile, content: certPem, mode: 0o644 }]);
        wakeAt = schedule.renewed(validityOf(leaf, receivedAt));
        options.log(`renewed ${options.crtFile} (${describeLeaf(leaf)}): next renewal at ${wakeAt.toISOString()}`);
      } catch (err) {
        wakeAt = schedule.failed();
        options.log(`renewing ${options.crtFile} failed: ${(err as Error).message}; retrying in ${formatDuration(wakeAt.getTime() - Date.now())}`);
        continue;
      }
      if (options.exec) await runExecHook(options.exec).catch((err: Error) => options.log(err.message));
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
