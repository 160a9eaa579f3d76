/** Fingerprint helpers of the SDK's public surface (they live in the pure pki layer). */
export { parseFingerprint, pemFingerprint } from '../pki/fingerprint.js';
