/** fedca's client SDK: talk to a CA, bootstrap trust by fingerprint, mint tokens, get, renew, rekey and revoke certificates, fetch the CRL, check certificates by OCSP, enforce revocations on OpenVPN. */
export { CaClient, type CaClientOptions } from './caClient.js';
export { fetchRoot } from './bootstrap.js';
export { commonName, parseClientCertificate, type ClientCertificate, type ParsedClientCertificate } from './clientCertificate.js';
export { createRenewToken, createX5cToken, RENEW_TOKEN_ISSUER, type X5cTokenOptions } from './renewToken.js';
export { Provisioner, TOKEN_LIFETIME_MS, type ProvisionerSelector, type TokenOptions } from './provisioner.js';
export { decryptProvisionerKey, type ProvisionerSigningKey } from './provisionerKey.js';
export { verifyPresentedChain, presentedCertificates } from './presentedChain.js';
export { parseFingerprint, pemFingerprint } from './fingerprint.js';
export { ClientHomeError, ClientHomeLayout, readClientDefaults, resolveClientHome, saveBootstrap, type BootstrapRecord, type ClientDefaults, type SavedBootstrap } from './clientHome.js';
export { OcspChecker, type CertificateToCheck, type OcspCheckerOptions, type Verdict } from './ocspChecker.js';
export { OpenvpnAgent, type AgentLogRecord, type OpenvpnAgentOptions, type StatusSource } from '../openvpn/agent.js';
export { parseManagementAddress, type ManagementAddress } from '../openvpn/managementAddress.js';
export { logIn, singleSignOnSettings, type LoginOptions, type SingleSignOnSettings } from './singleSignOn.js';
export { BootstrapError, CaConnectionError, CaError, ManagementAuthError, ManagementCommandError, ManagementConnectionError, ProvisionerError, SingleSignOnError } from './errors.js';
export type { HealthResponse, ProvisionerEntry, ProvisionerPage, PublicJwk, RevokeReason, RevokeRequest, SignRequest, SignResponse, VersionResponse } from './wire.js';
export { ManagedIdentity, type IdentityAgentOptions, type IdentityServerOptions, type ManagedIdentityOptions, type TokenSource, type Trust } from './managedIdentity.js';
export { RenewingAgent } from './renewingAgent.js';
export { peerAnchor } from './peerAnchor.js';
