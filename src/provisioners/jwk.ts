import type { ProvisionerConfig } from '../config/caConfig.js';
import type { Provisioner, ProvisionerInfo } from './provisioner.js';

/** A JWK provisioner: tokens are JWTs signed by its key (api.md "One-time tokens"). */
export class JwkProvisioner implements Provisioner {
  readonly type = 'JWK';
  readonly name: string;
  readonly id: string;
  readonly kid: string;
  readonly encryptedKey?: string;

  constructor(private readonly config: ProvisionerConfig) {
    this.name = config.name;
    this.kid = config.key.kid;
    this.id = `${config.name}:${config.key.kid}`;
    this.encryptedKey = config.encryptedKey;
  }

  info(): ProvisionerInfo {
    const { type, name, key, encryptedKey, claims, options } = this.config;
    return { type, name, key, ...(encryptedKey ? { encryptedKey } : {}), ...(claims ? { claims } : {}), ...(options ? { options } : {}) };
  }
}
