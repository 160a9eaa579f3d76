import { readFileSync } from 'node:fs';
import { crlFileBytes, crlSignedBy, parseCrlFile, type ParsedCrl } from '../pki/readCrl.js';
import type { CaClient } from '../sdk/caClient.js';
import { crlSigners, verifyCrl } from '../sdk/verifiedCrl.js';
import { sleepUntil } from './abortableWait.js';
import { runExecHook } from './execHook.js';
import { CliError } from './fail.js';
import { replaceFiles } from '../files/replaceFiles.js';
import { rewriteInPlace } from './outputFiles.js';

/** What `fedca crl --watch` keeps fresh, and how. */
export interface CrlWatchOptions {
  readonly client: CaClient;
  readonly file: string;
  readonly pem: boolean;
  /** Rewrite the file's contents in place (same inode) instead of renaming a new file over it. */
  readonly inPlace: boolean;
  /** A command for `sh -c` after each change of the file. */
  readonly exec?: string;
  /** Give up (exit non-zero) when the file lapses within this and the CA cannot be asked; default: a quarter of the CRL's validity. */
  readonly warnBeforeMs?: number;
  /** Why a consumer would refuse a CRL (`--for`), if it would. */
  readonly refusal?: (crl: ParsedCrl) => string | undefined;
  /** Writes one JSON log line. */
  readonly log: (event: Record<string, unknown>) => void;
}

/** Retry delays after failures: 1 s doubling to 30 s. */
const RETRY_MS = { first: 1_000, max: 30_000 } as const;
/** The longest long poll asked of the CA (its limit is 300 s). */
const MAX_POLL_S = 300;
/** Never ask again sooner than this after a fetch, whatever a CRL says of its times. */
const MIN_REFETCH_MS = 1_000;

/** The CRL a file holds (PEM or DER), if it holds a readable one. */
function crlInFile(file: string): ParsedCrl | undefined {
  try {
    return parseCrlFile(readFileSync(file));
  } catch {
    return undefined;
  }
}

/** When to fetch a CRL again at the latest: at 3/4 of its validity (the CA builds a new one from 2/3 on). */
function refreshTime(crl: ParsedCrl): number {
  const from = crl.thisUpdate.getTime();
  const until = crl.nextUpdate?.getTime() ?? from;
  return Math.max(from + ((until - from) * 3) / 4, Date.now() + MIN_REFETCH_MS);
}

/** The bytes a CRL file holds. */

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

/**
 * Keeps a CRL file fresh for as long as the process runs: fetches the CA's CRL
 * at start, whenever the CA says its revocations changed (a long poll on
 * /crl/changes), and at 3/4 of each CRL's validity; checks its signature against
 * the CA (and `refusal`) before writing; writes only what changed, atomically or
 * in place, then runs `exec`. Failures are retried with backoff. Resolves on
 * SIGTERM or SIGINT; throws CliError when the file would lapse within the warning
 * window (or holds no CRL) and the CA cannot give a good one.
 */
export async function runCrlWatch(o: CrlWatchOptions): Promise<void> {
  const stop = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    o.log({ event: 'stopping', signal });
    stop.abort();
    // Ends a long poll in flight.
    o.client.close();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  let kept = crlInFile(o.file);
  let signers: Buffer[] | undefined;
  let failures = 0;
  o.log({ event: 'watching', file: o.file, crlNumber: kept?.crlNumber?.toString(), nextUpdate: iso(kept?.nextUpdate) });
  try {
    while (!stop.signal.aborted) {
      try {
        signers ??= await crlSigners(o.client);
        const revision = await o.client.crlRevision();
        const crl = verifyCrl(await o.client.crl(), signers);
        const refused = o.refusal?.(crl);
        if (refused) throw new Error(refused);
        if (kept?.crlNumber !== undefined && crl.crlNumber !== undefined && crl.crlNumber < kept.crlNumber && signers.some((s) => kept !== undefined && crlSignedBy(kept, s))) {
          throw new Error(`the CA sent CRL number ${crl.crlNumber}, older than number ${kept.crlNumber} in ${o.file}`);
        }
        await keep(o, crl);
        kept = crl;
        failures = 0;
        const refreshAt = refreshTime(crl);
        while (!stop.signal.aborted && Date.now() < refreshAt) {
          const waitS = Math.min(MAX_POLL_S, Math.max(1, Math.ceil((refreshAt - Date.now()) / 1000)));
          if ((await o.client.crlRevision(revision, waitS)) !== revision) break;
        }
      } catch (err) {
        if (stop.signal.aborted) break;
        failures += 1;
        // A CRL that did not verify may come from a new intermediate: ask for them again.
        signers = undefined;
        const message = (err as Error).message;
        const lapse = kept?.nextUpdate;
        const windowMs = o.warnBeforeMs ?? (kept && lapse ? (lapse.getTime() - kept.thisUpdate.getTime()) / 4 : 0);
        if (!lapse || lapse.getTime() - Date.now() <= windowMs) {
          o.log({ event: 'lapsing', file: o.file, nextUpdate: iso(lapse), error: message });
          throw new CliError(`${o.file} ${lapse ? `lapses at ${lapse.toISOString()}` : 'holds no CRL'} and no good CRL can be had from the CA: ${message}`, 1);
        }
        const delay = Math.min(RETRY_MS.first * 2 ** (failures - 1), RETRY_MS.max, Math.max(RETRY_MS.first, lapse.getTime() - windowMs - Date.now()));
        o.log({ event: 'fetch-failed', file: o.file, error: message, retryInMs: delay, nextUpdate: iso(lapse) });
        await sleepUntil(new Date(Date.now() + delay), stop.signal);
      }
    }
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/** Writes `crl` to the file unless it already holds those bytes, then runs the exec command. */
async function keep(o: CrlWatchOptions, crl: ParsedCrl): Promise<void> {
  const bytes = crlFileBytes(crl, o.pem);
  let current: Buffer | undefined;
  try {
    current = readFileSync(o.file);
  } catch {
    current = undefined;
  }
  const event = { file: o.file, crlNumber: crl.crlNumber?.toString(), entries: crl.serials.length, nextUpdate: iso(crl.nextUpdate) };
  if (current?.equals(bytes)) {
    o.log({ event: 'unchanged', ...event });
    return;
  }
  if (o.inPlace) rewriteInPlace(o.file, bytes, 0o644);
  else replaceFiles([{ file: o.file, content: bytes, mode: 0o644 }]);
  o.log({ event: 'written', ...event });
  if (o.exec) await runExecHook(o.exec).catch((err: Error) => o.log({ event: 'exec-failed', error: err.message }));
}
