import type { ProvisionerConfig } from '../config/caConfig.js';
import { STEP_CA_PROVISIONER_TYPES } from '../config/load.js';
import { ProfileListError } from '../errors.js';
import { mergeClaims } from './claims.js';
import { acmeProvisioner } from './acme.js';
import { awsProvisioner } from './aws.js';
import { azureProvisioner } from './azure.js';
import { gcpProvisioner } from './gcp.js';
import { jwkProvisioner } from './jwk.js';
import { k8sSaProvisioner } from './k8sSA.js';
import type { Provisioner } from './provisioner.js';
import { oidcProvisioner } from './oidc.js';
import { x5cProvisioner } from './x5c.js';
import { ProvisionerConfigError, type ProvisionerEnvironment, type ProvisionerFactory } from './provisionerConfig.js';

/** The provisioner types fedca has, by ca.json's `type`: a new type is its file and its line here. */
const PROVISIONER_TYPES: Readonly<Record<string, ProvisionerFactory<Provisioner>>> = {
  JWK: jwkProvisioner,
  OIDC: oidcProvisioner,
  X5C: x5cProvisioner,
  ACME: acmeProvisioner,
  AWS: awsProvisioner,
  GCP: gcpProvisioner,
  Azure: azureProvisioner,
  K8sSA: k8sSaProvisioner,
};

/**
 * Builds the provisioner a config entry describes (config validation checked the keys
 * every type has). Throws ProvisionerConfigError naming the entry's bad key.
 */
export function provisionerFromConfig(config: ProvisionerConfig, environment: ProvisionerEnvironment): Provisioner {
  const factory = PROVISIONER_TYPES[config.type];
  if (!factory) {
    const supported = Object.keys(PROVISIONER_TYPES).join(', ');
    if (STEP_CA_PROVISIONER_TYPES.includes(config.type)) throw new ProvisionerConfigError('type', `step-ca's provisioner type "${config.type}" is not available in fedca yet (fedca has: ${supported})`);
    throw new ProvisionerConfigError('type', `unsupported provisioner type "${config.type}" (supported: ${supported})`);
  }
  try {
    return factory(config, mergeClaims(environment.globalClaims, config.claims), environment);
  } catch (err) {
    if (err instanceof ProfileListError) throw new ProvisionerConfigError('options.profiles', err.message);
    throw err;
  }
}
