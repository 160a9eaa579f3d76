import { parseCertificate } from '../../pki/certificate.js';
import { readProvisionerExtension, ProvisionerTypeCode } from '../../pki/extensions.js';
import { OID } from '../../pki/oids.js';

/**
 * The ACME account a certificate was issued to, from its provisioner extension (type
 * ACME, this provisioner's name, the account id as credential id); undefined for a
 * certificate another provisioner authorised.
 */
export function acmeAccountOf(der: Buffer, provisioner: string): string | undefined {
  try {
    const ext = parseCertificate(der).extensions.find((e) => e.id === OID.stepProvisioner);
    if (!ext) return undefined;
    const ref = readProvisionerExtension(ext.value);
    return ref.type === ProvisionerTypeCode.ACME && ref.name === provisioner && ref.credentialId !== '' ? ref.credentialId : undefined;
  } catch {
    return undefined;
  }
}
