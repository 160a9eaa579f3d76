import { Forbidden, Unauthorized } from '../errors.js';
import type { Claims } from './claims.js';
import type { AuthorizeContext, RenewAuthorization, RenewAuthorizer, RenewRequest } from './provisioner.js';
import { verifyRenewToken } from './renewToken.js';

/**
 * The renewal rules every provisioner type applies (step-ca's Controller.AuthorizeRenew):
 * the renew token, when one came, then renewal not disabled by `claims`, and not
 * expired unless `allowRenewalAfterExpiry`; with `revokeOnRenew` the predecessor is to be
 * revoked. Revocation is the authority's to check.
 */
export function authorizeRenewal(claims: Claims, request: RenewRequest, context: AuthorizeContext): RenewAuthorization {
  const token = request.token ? verifyRenewToken(request.token, request.certificate, context) : undefined;
  if (claims.disableRenewal) throw new Forbidden("renewal is disabled for this certificate's provisioner");
  if (context.now > request.certificate.notAfter && !claims.allowRenewalAfterExpiry) throw new Unauthorized('certificate expired');
  return { ...(token ? { token } : {}), ...(claims.revokeOnRenew ? { revokePredecessor: true } : {}) };
}

/** Renews certificates that name no provisioner (imported from easy-rsa, say) under the CA's global claims. */
export function claimsRenewAuthorizer(claims: Claims): RenewAuthorizer {
  return {
    name: '',
    authorizeRenew: async (request, context) => authorizeRenewal(claims, request, context),
  };
}
