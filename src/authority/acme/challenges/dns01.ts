import { createHash } from 'node:crypto';
import type { Deadline } from './deadline.js';
import { ChallengeFailure, quoted } from './failure.js';
import { resolveTxtRecords } from './nameResolution.js';
import type { ChallengeAttempt, ValidationPolicy } from './validation.js';

/** How many of the TXT records found a failure message quotes. */
const QUOTED_RECORDS = 3;

/** The TXT value a dns-01 challenge expects: base64url(SHA-256(keyAuthorization)) (RFC 8555 §8.4). */
export const dns01TxtValue = (keyAuthorization: string): string => createHash('sha256').update(keyAuthorization).digest('base64url');

/** The name whose TXT records answer a dns-01 challenge: _acme-challenge.<name>, for a wildcard its base name. */
export const dns01RecordName = (name: string): string => `_acme-challenge.${name.replace(/^\*\./, '')}`;

/**
 * Validates a dns-01 challenge (RFC 8555 §8.4): one TXT record at _acme-challenge.<name>,
 * looked up through the configured resolvers, must equal dns01TxtValue(keyAuthorization).
 * Throws ChallengeFailure: 'malformed' (an IP identifier), 'dns' (no TXT record, lookup
 * failed or outlasted the deadline), 'incorrectResponse' (TXT records, none right).
 */
export async function validateDns01(attempt: ChallengeAttempt, policy: ValidationPolicy, deadline: Deadline): Promise<void> {
  if (attempt.identifier.type !== 'dns') throw new ChallengeFailure('malformed', `dns-01 cannot validate the IP identifier ${attempt.identifier.value} (RFC 8738 §7)`);
  const name = dns01RecordName(attempt.identifier.value);
  const records = await resolveTxtRecords(name, policy, deadline);
  if (records.length === 0) throw new ChallengeFailure('dns', `no TXT record at ${name}`);
  const expected = dns01TxtValue(attempt.keyAuthorization);
  if (records.includes(expected)) return;
  const shown = records.slice(0, QUOTED_RECORDS).map(quoted).join(', ') + (records.length > QUOTED_RECORDS ? `, and ${records.length - QUOTED_RECORDS} more` : '');
  throw new ChallengeFailure('incorrectResponse', `expected TXT ${quoted(expected)} at ${name}, found ${shown}`);
}
