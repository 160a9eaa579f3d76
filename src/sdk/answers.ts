import { CaConnectionError } from './errors.js';
import type { SignResponse } from './wire.js';

/**
 * Reading the CA's JSON answers: each field is checked against api.md, so a
 * caller gets a CaConnectionError naming the field rather than a wrong value.
 */

type Json = Record<string, unknown>;

/** The field `name` of a JSON answer to `where`; throws CaConnectionError when it fails `is`. */
export function field<T>(body: unknown, name: string, is: (v: unknown) => v is T, where: string): T {
  const value = body !== null && typeof body === 'object' ? (body as Json)[name] : undefined;
  if (!is(value)) throw new CaConnectionError(`the CA's answer to ${where} has no valid "${name}"`);
  return value;
}

export const isString = (v: unknown): v is string => typeof v === 'string';
export const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
export const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
export const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isOptionalStringArray = (v: unknown): v is string[] | undefined => v === undefined || isStringArray(v);

/** The sign response of `/sign`, `/renew` and `/rekey` (`certChain` defaults to `[crt, ca]`, as older step-ca omits it). */
export function signResponse(body: unknown, where: string): SignResponse {
  const crt = field(body, 'crt', isString, where);
  const ca = field(body, 'ca', isString, where);
  const certChain = field(body, 'certChain', isOptionalStringArray, where) ?? [crt, ca];
  return { crt, ca, certChain };
}
