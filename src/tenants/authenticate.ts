/**
 * Bearer-credential authentication. The presented secret is hashed and looked up by digest (one index probe);
 * the digests are then compared in constant time. Expired and revoked credentials fail the same way as unknown
 * ones toward the caller, so a response never tells which.
 */
import {
  type Credential,
  type PresentedCredential,
  selectCredentialBySecretHash,
  touchCredential,
} from '../db/credential-store.js';
import type { Executor } from '../db/database.js';
import type { Logger } from '../shared/logger.js';
import { ADMIN_KEY_PREFIX, SCIM_TOKEN_PREFIX, digestMatches, hashSecret } from '../shared/secrets.js';
import type { CredentialCache } from './credential-cache.js';
import type { Principal } from './principal.js';

export type AuthFailure = 'missing' | 'malformed' | 'unknown' | 'expired' | 'revoked' | 'wrong_kind';
export type AuthResult = { ok: true; principal: Principal } | { ok: false; reason: AuthFailure };

const MAX_SECRET_LENGTH = 300;

/** Parses `Authorization: Bearer <secret>`; undefined when absent or not a bearer credential. */
export function bearerSecret(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}

export async function authenticate(
  db: Executor,
  secret: string | undefined,
  kind: Credential['kind'],
  now: Date,
  log: Logger,
  cache?: CredentialCache,
): Promise<AuthResult> {
  if (secret === undefined) return { ok: false, reason: 'missing' };
  const prefix = kind === 'scim_token' ? SCIM_TOKEN_PREFIX : ADMIN_KEY_PREFIX;
  // Garbage never costs a database round trip.
  if (!secret.startsWith(prefix) || secret.length > MAX_SECRET_LENGTH)
    return { ok: false, reason: 'malformed' };
  const digest = hashSecret(secret);
  const key = digest.toString('base64');
  let credential = cache?.lookup(key);
  if (!credential) {
    const generation = cache?.generation ?? 0;
    credential = await selectCredentialBySecretHash(db, digest);
    if (credential) cache?.store(key, credential, generation);
  }
  if (!credential || !digestMatches(digest, credential.secretHash)) return { ok: false, reason: 'unknown' };
  if (credential.kind !== kind) return { ok: false, reason: 'wrong_kind' };
  if (credential.revokedAt) return { ok: false, reason: 'revoked' };
  if (credential.expiresAt && credential.expiresAt <= now) return { ok: false, reason: 'expired' };
  if (noteUse(db, credential, now, log)) cache?.noteUse(key, now);
  return { ok: true, principal: toPrincipal(credential) };
}

export function toPrincipal(c: PresentedCredential): Principal {
  return {
    credentialId: c.id,
    kind: c.kind,
    organizationId: c.organizationId,
    directoryId: c.directoryId,
    directory: c.directory,
    scopes: c.scopes,
    label: `${c.kind}:${c.secretHint}`,
  };
}

/**
 * Last-used bookkeeping is best effort and throttled: at most one write a minute per credential (per node; the
 * update itself skips rows written in the last minute). Returns whether a write was sent.
 */
function noteUse(db: Executor, c: Credential, now: Date, log: Logger): boolean {
  if (c.lastUsedAt && now.getTime() - c.lastUsedAt.getTime() < 60_000) return false;
  touchCredential(db, c.id).catch((error: unknown) =>
    log.warn({ err: error }, 'could not record credential use'),
  );
  return true;
}
