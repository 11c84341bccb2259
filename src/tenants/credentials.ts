/**
 * Issuing, listing, rotating and revoking SCIM tokens and admin keys, and the bootstrap platform key.
 * A secret is returned once, at issue; afterwards only its hint is shown.
 */
import { insertAuditEntry } from '../db/audit-store.js';
import * as store from '../db/credential-store.js';
import type { Credential } from '../db/credential-store.js';
import { type Executor, type Pool, query, sql, transaction } from '../db/database.js';
import { selectDirectory, selectOrganization } from '../db/organization-store.js';
import type { CredentialId, DirectoryId, OrganizationId } from '../shared/ids.js';
import { newCredentialId } from '../shared/ids.js';
import type { Logger } from '../shared/logger.js';
import {
  ADMIN_KEY_PREFIX,
  SCIM_TOKEN_PREFIX,
  generateSecret,
  hashSecret,
  secretHint,
} from '../shared/secrets.js';
import type { Page } from './organizations.js';
import {
  ADMIN_SCOPES,
  Forbidden,
  type Principal,
  Rejected,
  SCIM_SCOPES,
  auditActor,
  canSeeOrganization,
  isPlatform,
  requireScope,
} from './principal.js';

export interface IssuedCredential {
  readonly credential: Credential;
  /** The secret itself: shown to the caller once and never stored. */
  readonly secret: string;
}

export interface IssueInput {
  name?: string | undefined;
  scopes?: readonly string[] | undefined;
  expiresInSeconds?: number | undefined;
}

export interface CredentialPolicy {
  /** Default lifetime of new tokens and keys. */
  defaultTtlSeconds: number;
  now: () => Date;
}

export async function issueScimToken(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  input: IssueInput,
  policy: CredentialPolicy,
): Promise<IssuedCredential | undefined> {
  requireScope(actor, 'admin:write');
  const scopes = checkScopes(input.scopes ?? SCIM_SCOPES, SCIM_SCOPES);
  return transaction(pool, async (tx) => {
    const directory = await selectDirectory(tx, directoryId, actor.organizationId ?? undefined);
    if (!directory) return undefined;
    return insertIssued(tx, actor, 'scim.token_issued', {
      kind: 'scim_token',
      organizationId: directory.organizationId,
      directoryId,
      name: input.name ?? null,
      scopes,
      expiresAt: expiry(input.expiresInSeconds, policy),
    });
  });
}

export async function listScimTokens(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  page: Page,
): Promise<Credential[] | undefined> {
  requireScope(actor, 'admin:read');
  const directory = await selectDirectory(pool, directoryId, actor.organizationId ?? undefined);
  if (!directory) return undefined;
  return store.selectDirectoryTokens(pool, directory.organizationId, directoryId, page);
}

/** Revokes a directory's token at once; `false` when it is unknown, elsewhere, or already revoked. */
export async function revokeScimToken(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  tokenId: CredentialId,
): Promise<boolean> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const token = await store.selectCredential(tx, tokenId, {
      kind: 'scim_token',
      directoryId,
      organizationId: actor.organizationId ?? undefined,
    });
    if (!token || !(await store.revokeCredential(tx, token.id))) return false;
    await insertAuditEntry(tx, {
      organizationId: token.organizationId,
      ...auditActor(actor),
      action: 'scim.token_revoked',
      targetType: 'credential',
      targetId: token.id,
    });
    return true;
  });
}

/**
 * Issues a successor with the same scopes and lets the old token live on for `graceSeconds` (0: revoked now),
 * so an operator can update the IdP without a provisioning gap.
 */
export async function rotateScimToken(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  tokenId: CredentialId,
  input: { graceSeconds: number; expiresInSeconds?: number | undefined },
  policy: CredentialPolicy,
): Promise<IssuedCredential | undefined> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const old = await store.selectCredential(tx, tokenId, {
      kind: 'scim_token',
      directoryId,
      organizationId: actor.organizationId ?? undefined,
    });
    if (!old || old.revokedAt) return undefined;
    if (input.graceSeconds === 0) await store.revokeCredential(tx, old.id);
    else
      await store.expireCredentialAt(
        tx,
        old.id,
        new Date(policy.now().getTime() + input.graceSeconds * 1000),
      );
    return insertIssued(tx, actor, 'scim.token_rotated', {
      kind: 'scim_token',
      organizationId: old.organizationId,
      directoryId,
      name: old.name,
      scopes: old.scopes,
      expiresAt: expiry(input.expiresInSeconds, policy),
      replaces: old.id,
    });
  });
}

/**
 * Issues an admin key. Platform keys may issue platform or organization keys; an organization key may issue keys
 * for its own organization only, and never with scopes it does not hold itself.
 */
export async function issueAdminKey(
  pool: Pool,
  actor: Principal,
  input: IssueInput & { organizationId?: OrganizationId | undefined },
  policy: CredentialPolicy,
): Promise<IssuedCredential | undefined> {
  requireScope(actor, 'admin:write');
  const organizationId = input.organizationId ?? null;
  if (organizationId === null && !isPlatform(actor))
    throw new Forbidden('only platform admin keys issue platform keys');
  if (organizationId !== null && !canSeeOrganization(actor, organizationId)) return undefined;
  const scopes = checkScopes(input.scopes ?? ADMIN_SCOPES, ADMIN_SCOPES);
  const escalation = scopes.filter((s) => !actor.scopes.includes(s));
  if (escalation.length > 0)
    throw new Forbidden(`cannot grant scopes the caller lacks: ${escalation.join(', ')}`);
  return transaction(pool, async (tx) => {
    if (organizationId !== null && !(await selectOrganization(tx, organizationId))) return undefined;
    return insertIssued(tx, actor, 'admin.key_issued', {
      kind: 'admin_key',
      organizationId,
      directoryId: null,
      name: input.name ?? null,
      scopes,
      expiresAt: expiry(input.expiresInSeconds, policy),
    });
  });
}

/** Admin keys of one organization, or the platform's keys when `organizationId` is absent (platform keys only). */
export async function listAdminKeys(
  pool: Pool,
  actor: Principal,
  organizationId: OrganizationId | undefined,
  page: Page,
): Promise<Credential[] | undefined> {
  requireScope(actor, 'admin:read');
  const scope = organizationId ?? actor.organizationId;
  if (scope === null) return store.selectAdminKeys(pool, null, page);
  if (!canSeeOrganization(actor, scope)) return undefined;
  return store.selectAdminKeys(pool, scope, page);
}

export async function revokeAdminKey(pool: Pool, actor: Principal, keyId: CredentialId): Promise<boolean> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const key = await store.selectCredential(tx, keyId, {
      kind: 'admin_key',
      organizationId: actor.organizationId ?? undefined,
    });
    // Organization keys only find their own organization's keys: the query is scoped by it.
    if (!key || !(await store.revokeCredential(tx, key.id))) return false;
    await insertAuditEntry(tx, {
      organizationId: key.organizationId,
      ...auditActor(actor),
      action: 'admin.key_revoked',
      targetType: 'credential',
      targetId: key.id,
    });
    return true;
  });
}

/**
 * Makes ROSTER_BOOTSTRAP_ADMIN_KEY a usable platform key. Idempotent across restarts and across nodes starting
 * together. When the variable changes, the new key is added and every earlier bootstrap key is revoked, each
 * with an audit entry: the variable names the one bootstrap key that works. A bootstrap key revoked through the
 * API stays revoked; setting the variable does not bring it back.
 */
export async function ensureBootstrapAdminKey(pool: Pool, secret: string, log: Logger): Promise<void> {
  const hash = hashSecret(secret);
  await transaction(pool, async (tx) => {
    // Serialise concurrent starts; the lock ends with the transaction.
    await query(tx, sql`select pg_advisory_xact_lock(7361024802)`);
    const existing = await store.selectCredentialBySecretHash(tx, hash);
    if (existing?.revokedAt) {
      log.warn('ROSTER_BOOTSTRAP_ADMIN_KEY names a revoked key; it stays revoked');
      return;
    }
    if (existing && (existing.kind !== 'admin_key' || existing.organizationId !== null)) {
      throw new Error('ROSTER_BOOTSTRAP_ADMIN_KEY equals an existing non-platform credential');
    }
    const system = { actorCredential: null, actorLabel: 'bootstrap' };
    if (!existing) {
      const created = await store.insertCredential(tx, {
        id: newCredentialId(),
        kind: 'admin_key',
        organizationId: null,
        directoryId: null,
        name: 'bootstrap',
        secretHash: hash,
        secretHint: secretHint(secret),
        scopes: ADMIN_SCOPES,
        expiresAt: null,
        createdBy: null,
        createdVia: 'bootstrap',
      });
      if (created) {
        await insertAuditEntry(tx, {
          organizationId: null,
          ...system,
          action: 'admin.key_issued',
          targetType: 'credential',
          targetId: created.id,
          details: { via: 'ROSTER_BOOTSTRAP_ADMIN_KEY' },
        });
        log.info({ keyId: created.id }, 'bootstrap admin key registered');
      }
    }
    for (const old of await store.selectLiveBootstrapKeys(tx)) {
      if (old.secretHash.equals(hash)) continue;
      await store.revokeCredential(tx, old.id);
      await insertAuditEntry(tx, {
        organizationId: null,
        ...system,
        action: 'admin.key_revoked',
        targetType: 'credential',
        targetId: old.id,
        details: { reason: 'ROSTER_BOOTSTRAP_ADMIN_KEY changed' },
      });
      log.warn(
        { keyId: old.id },
        'revoked the previous bootstrap admin key: ROSTER_BOOTSTRAP_ADMIN_KEY changed',
      );
    }
  });
}

async function insertIssued(
  tx: Executor,
  actor: Principal,
  action: string,
  c: Pick<
    store.NewCredential,
    'kind' | 'organizationId' | 'directoryId' | 'name' | 'scopes' | 'expiresAt'
  > & {
    replaces?: CredentialId;
  },
): Promise<IssuedCredential> {
  const secret = generateSecret(c.kind === 'scim_token' ? SCIM_TOKEN_PREFIX : ADMIN_KEY_PREFIX);
  const credential = await store.insertCredential(tx, {
    id: newCredentialId(),
    kind: c.kind,
    organizationId: c.organizationId,
    directoryId: c.directoryId,
    name: c.name,
    secretHash: hashSecret(secret),
    secretHint: secretHint(secret),
    scopes: c.scopes,
    expiresAt: c.expiresAt,
    createdBy: actor.credentialId,
    createdVia: 'api',
  });
  // 256 random bits never collide; a missing row would mean the insert itself failed.
  if (!credential) throw new Error('credential insert returned no row');
  await insertAuditEntry(tx, {
    organizationId: c.organizationId,
    ...auditActor(actor),
    action,
    targetType: 'credential',
    targetId: credential.id,
    details: {
      scopes: [...c.scopes],
      expiresAt: c.expiresAt?.toISOString() ?? null,
      ...(c.directoryId ? { directoryId: c.directoryId } : {}),
      ...(c.replaces ? { replaces: c.replaces } : {}),
    },
  });
  return { credential, secret };
}

function checkScopes(requested: readonly string[], allowed: readonly string[]): string[] {
  const unique = [...new Set(requested)];
  const unknown = unique.filter((s) => !allowed.includes(s));
  if (unknown.length > 0 || unique.length === 0) {
    throw new Rejected('validation_failed', `scopes must be a non-empty subset of: ${allowed.join(', ')}`);
  }
  return unique;
}

function expiry(expiresInSeconds: number | undefined, policy: CredentialPolicy): Date {
  return new Date(policy.now().getTime() + (expiresInSeconds ?? policy.defaultTtlSeconds) * 1000);
}
