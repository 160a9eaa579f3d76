import type { ProvisionerConfig } from '../config/caConfig.js';
import { JwkProvisioner } from './jwk.js';
import type { Provisioner } from './provisioner.js';

/** Builds the provisioner a config entry describes (the config validated its type). */
export function provisionerFromConfig(config: ProvisionerConfig): Provisioner {
  switch (config.type) {
    case 'JWK':
      return new JwkProvisioner(config);
    default:
      throw new Error(`unsupported provisioner type "${config.type}"`);
  }
}
