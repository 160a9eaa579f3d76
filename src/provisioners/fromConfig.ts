import type { ClaimsConfig, ProvisionerConfig } from '../config/caConfig.js';
import { mergeClaims } from './claims.js';
import { JwkProvisioner } from './jwk.js';
import type { Provisioner } from './provisioner.js';

/** Builds the provisioner a config entry describes (the config validated its type). */
export function provisionerFromConfig(config: ProvisionerConfig, globalClaims?: ClaimsConfig): Provisioner {
  const claims = mergeClaims(globalClaims, config.claims);
  switch (config.type) {
    case 'JWK':
      return new JwkProvisioner(config, claims);
    default:
      throw new Error(`unsupported provisioner type "${config.type}"`);
  }
}
