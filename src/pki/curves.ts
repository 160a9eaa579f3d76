import { OID } from './oids.js';

/** The elliptic curves fedca takes, by their NIST (and JOSE) names. */
export type CurveName = 'P-256' | 'P-384' | 'P-521';

/** One curve under each name it goes by, and what signs with it. */
export interface Curve {
  readonly name: CurveName;
  /** OpenSSL's name, as node:crypto's `namedCurve` reports it. */
  readonly nodeName: string;
  /** The namedCurve OID of an EC SubjectPublicKeyInfo (RFC 5480). */
  readonly oid: string;
  /** Bytes of one coordinate of a point. */
  readonly size: number;
  /** The SHA-2 digest matched to its strength. */
  readonly hash: 'sha256' | 'sha384' | 'sha512';
  /** ECDSA with that digest: its X.509 signature algorithm OID and its JWS `alg`. */
  readonly signatureOid: string;
  readonly jwsAlg: 'ES256' | 'ES384' | 'ES512';
}

/** The one table of curves, by NIST name; every other name of a curve is looked up here. */
export const CURVE: Readonly<Record<CurveName, Curve>> = {
  'P-256': { name: 'P-256', nodeName: 'prime256v1', oid: '1.2.840.10045.3.1.7', size: 32, hash: 'sha256', signatureOid: OID.ecdsaWithSha256, jwsAlg: 'ES256' },
  'P-384': { name: 'P-384', nodeName: 'secp384r1', oid: '1.3.132.0.34', size: 48, hash: 'sha384', signatureOid: OID.ecdsaWithSha384, jwsAlg: 'ES384' },
  'P-521': { name: 'P-521', nodeName: 'secp521r1', oid: '1.3.132.0.35', size: 66, hash: 'sha512', signatureOid: OID.ecdsaWithSha512, jwsAlg: 'ES512' },
};

/** The curves, strongest last. */
export const CURVES: readonly Curve[] = Object.values(CURVE);

const by = <K extends keyof Curve>(key: K, value: unknown): Curve | undefined => CURVES.find((c) => c[key] === value);

/** The curve with this NIST name ("P-256"); undefined for any other. */
export const curveNamed = (name: string | undefined): Curve | undefined => by('name', name);
/** The curve node:crypto calls `nodeName` ("prime256v1"). */
export const curveOfNode = (nodeName: string | undefined): Curve | undefined => by('nodeName', nodeName);
/** The curve of a namedCurve OID. */
export const curveOfOid = (oid: string): Curve | undefined => by('oid', oid);
