/**
 * Credential secrets. A secret is a recognisable prefix plus 32 CSPRNG bytes in base64url, so secret scanners can
 * spot leaked ones. Only a SHA-256 digest is stored: the secrets carry 256 bits of entropy, so a slow password
 * hash would add latency to every request without adding security. Lookups go by digest; the final comparison is
 * constant-time.
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SCIM_TOKEN_PREFIX = 'rst_scim_';
export const ADMIN_KEY_PREFIX = 'rst_admin_';
const SECRET_BYTES = 32;

export function generateSecret(prefix: string): string {
  return prefix + randomBytes(SECRET_BYTES).toString('base64url');
}

export function hashSecret(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** Constant-time equality of a presented secret's digest (`hashSecret`) and a stored digest. */
export function digestMatches(presented: Uint8Array, storedHash: Uint8Array): boolean {
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}

/** The first characters of a secret, safe to show in listings so operators can tell tokens apart. */
export function secretHint(secret: string): string {
  return secret.slice(0, secret.indexOf('_', 4) + 1 + 4);
}
