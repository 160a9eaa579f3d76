import type { AcmeProvisioner } from '../../provisioners/acme.js';
import type { AcmeAuthorizationRecord, AcmeChallengeRecord, AcmeProblemRecord, Store } from '../../store/store.js';
import { failureProblem, type ChallengeValidator } from './challengeValidator.js';
import { ChallengeFailure } from './challenges/failure.js';
import { DEFAULT_VALIDATION_TIMEOUT_MS, type ValidationPolicy } from './challenges/validation.js';
import { jwkThumbprint } from './jwsRequest.js';
import { refreshOrder, WRITE_ATTEMPTS } from './orderState.js';
import { AcmeProblem } from './problem.js';

/** A validation that started this long after its deadline and is still `processing` was lost with its process. */
const GRACE_MS = 5_000;
/** Attempts a challenge gets when processes die under it; then it fails. */
const MAX_ATTEMPTS = 2;

/** Test hooks: the ports validators connect to (80/443 unless set). */
export interface ValidationPorts {
  readonly httpPort?: number;
  readonly tlsPort?: number;
}

const withChallenge = (a: AcmeAuthorizationRecord, c: AcmeChallengeRecord): AcmeAuthorizationRecord => ({ ...a, challenges: a.challenges.map((x) => (x.id === c.id ? c : x)) });

/**
 * Validates challenges off the request path (RFC 8555 §7.5.1): a POST marks the
 * challenge `processing` in the store and returns at once; a job in this process runs
 * the validator under the provisioner's deadline and writes the outcome (challenge,
 * authorization, then order) to the store, where any process or replica reads it.
 *
 * A process that dies mid-validation leaves the challenge `processing`: whoever reads
 * it later than its deadline plus a grace (`recover`) starts it again, once; a second
 * lost attempt fails it (serverInternal). Nothing stays `processing` for ever.
 */
export class ChallengeValidations {
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly store: Store,
    private readonly validate: ChallengeValidator,
    private readonly ports: ValidationPorts = {},
  ) {}

  private policy(provisioner: AcmeProvisioner): ValidationPolicy {
    const v = provisioner.validation;
    return { allowLoopback: v.allowLoopback, ...(v.resolvers.length ? { resolvers: v.resolvers } : {}), timeoutMs: DEFAULT_VALIDATION_TIMEOUT_MS, ...this.ports };
  }

  /**
   * Starts validating challenge `challengeId` of a pending authorization (a client's
   * POST): resolves the authorization as written (the challenge `processing`). A
   * challenge that is not pending, or of an authorization that is not, is left as it is.
   */
  async start(authorization: AcmeAuthorizationRecord, challengeId: string, accountJwk: Readonly<Record<string, string>>, provisioner: AcmeProvisioner, now: Date): Promise<AcmeAuthorizationRecord> {
    let current = authorization;
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const challenge = current.challenges.find((c) => c.id === challengeId);
      if (!challenge) throw new AcmeProblem('malformed', 'challenge not found', 404);
      // One validation per authorization at a time: its outcome decides the authorization.
      if (current.status !== 'pending' || challenge.status !== 'pending' || current.expiresAt <= now || current.challenges.some((c) => c.status === 'processing')) return current;
      const started: AcmeChallengeRecord = { ...challenge, status: 'processing', processingSince: now, attempts: challenge.attempts + 1 };
      const next = withChallenge(current, started);
      if (await this.store.updateAcmeAuthorization(next)) {
        this.schedule(next, started, accountJwk, provisioner);
        return { ...next, revision: next.revision + 1 };
      }
      const reread = await this.store.acmeAuthorization(current.id);
      if (!reread) throw new AcmeProblem('malformed', 'authorization not found', 404);
      current = reread;
    }
    return current;
  }

  /** Starts again (or fails) validations whose process died: see the class comment. Resolves the authorization as it stands. */
  async recover(authorization: AcmeAuthorizationRecord, accountJwk: Readonly<Record<string, string>>, provisioner: AcmeProvisioner, now: Date): Promise<AcmeAuthorizationRecord> {
    const deadline = DEFAULT_VALIDATION_TIMEOUT_MS + GRACE_MS;
    const lost = authorization.challenges.find((c) => c.status === 'processing' && c.processingSince !== undefined && now.getTime() - c.processingSince.getTime() > deadline);
    if (!lost) return authorization;
    if (lost.attempts < MAX_ATTEMPTS) {
      const again: AcmeChallengeRecord = { ...lost, processingSince: now, attempts: lost.attempts + 1 };
      const next = withChallenge(authorization, again);
      if (!(await this.store.updateAcmeAuthorization(next))) return (await this.store.acmeAuthorization(authorization.id)) ?? authorization;
      this.schedule(next, again, accountJwk, provisioner);
      return { ...next, revision: next.revision + 1 };
    }
    const problem = new AcmeProblem('serverInternal', 'validation did not finish: the CA process validating it stopped').record();
    await this.finish(authorization.id, lost, problem, now);
    return (await this.store.acmeAuthorization(authorization.id)) ?? authorization;
  }

  /** Resolves once every validation running in this process has written its outcome (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private schedule(authorization: AcmeAuthorizationRecord, challenge: AcmeChallengeRecord, accountJwk: Readonly<Record<string, string>>, provisioner: AcmeProvisioner): void {
    const job = this.run(authorization, challenge, accountJwk, provisioner).catch((err: Error) => {
      console.error(JSON.stringify({ level: 'error', msg: 'ACME challenge validation could not record its outcome', challenge: challenge.id, error: err.message }));
    });
    this.running.add(job);
    void job.finally(() => this.running.delete(job));
  }

  private async run(authorization: AcmeAuthorizationRecord, challenge: AcmeChallengeRecord, accountJwk: Readonly<Record<string, string>>, provisioner: AcmeProvisioner): Promise<void> {
    const policy = this.policy(provisioner);
    const keyAuthorization = `${challenge.token}.${await jwkThumbprint(accountJwk)}`;
    let problem: AcmeProblemRecord | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      // The validator keeps its own deadlines; this one only bounds a validator that forgot.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new ChallengeFailure('connection', `no answer within ${policy.timeoutMs} ms`)), policy.timeoutMs + 1_000);
      });
      await Promise.race([this.validate({ type: challenge.type, identifier: authorization.identifier, token: challenge.token, keyAuthorization }, policy), deadline]);
    } catch (err) {
      const { type, detail } = failureProblem(err);
      problem = new AcmeProblem(type, detail).record();
    } finally {
      clearTimeout(timer);
    }
    await this.finish(authorization.id, challenge, problem, new Date());
  }

  /** Writes a validation's outcome: the challenge valid (and its authorization) or invalid with `problem` (and its authorization); then the order. */
  private async finish(authorizationId: string, challenge: AcmeChallengeRecord, problem: AcmeProblemRecord | undefined, now: Date): Promise<void> {
    for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
      const current = await this.store.acmeAuthorization(authorizationId);
      const mine = current?.challenges.find((c) => c.id === challenge.id);
      // Another attempt took over (recover), or the outcome is written already.
      if (!current || !mine || mine.status !== 'processing' || mine.processingSince?.getTime() !== challenge.processingSince?.getTime()) return;
      const { processingSince: _since, ...rest } = mine;
      const done: AcmeChallengeRecord = problem ? { ...rest, status: 'invalid', error: problem } : { ...rest, status: 'valid', validatedAt: now };
      // An authorization another challenge already decided keeps its status.
      const status = current.status !== 'pending' ? current.status : problem ? ('invalid' as const) : ('valid' as const);
      const next = { ...withChallenge(current, done), status };
      if (await this.store.updateAcmeAuthorization(next)) {
        const order = await this.store.acmeOrder(current.orderId);
        if (order) await refreshOrder(this.store, order, now);
        return;
      }
    }
  }
}
