/** SCIM tokens and admin keys. Only the SHA-256 digest of a secret is ever stored. */
import type { CredentialId, DirectoryId, OrganizationId } from '../shared/ids.js';
import { type Executor, empty, query, queryOne, sql } from './database.js';
import type { DirectoryState } from './organization-store.js';

export type CredentialKind = 'scim_token' | 'admin_key';

export interface Credential {
  readonly id: CredentialId;
  readonly kind: CredentialKind;
  readonly organizationId: OrganizationId | null;
  readonly directoryId: DirectoryId | null;
  readonly name: string | null;
  readonly secretHash: Buffer;
  readonly secretHint: string;
  readonly scopes: readonly string[];
  readonly createdAt: Date;
  readonly expiresAt: Date | null;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly createdBy: CredentialId | null;
  readonly createdVia: string;
}

interface CredentialRow {
  id: string;
  kind: CredentialKind;
  organization_id: string | null;
  directory_id: string | null;
  name: string | null;
  secret_hash: Buffer;
  secret_hint: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_by: string | null;
  created_via: string;
}

const toCredential = (r: CredentialRow): Credential => ({
  id: r.id as CredentialId,
  kind: r.kind,
  organizationId: r.organization_id as OrganizationId | null,
  directoryId: r.directory_id as DirectoryId | null,
  name: r.name,
  secretHash: r.secret_hash,
  secretHint: r.secret_hint,
  scopes: r.scopes,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
  lastUsedAt: r.last_used_at,
  createdBy: r.created_by as CredentialId | null,
  createdVia: r.created_via,
});

export interface NewCredential {
  id: CredentialId;
  kind: CredentialKind;
  organizationId: OrganizationId | null;
  directoryId: DirectoryId | null;
  name: string | null;
  secretHash: Buffer;
  secretHint: string;
  scopes: readonly string[];
  expiresAt: Date | null;
  createdBy: CredentialId | null;
  createdVia: string;
}

/** Inserts a credential; returns `undefined` when one with the same secret already exists. */
export async function insertCredential(db: Executor, c: NewCredential): Promise<Credential | undefined> {
  const row = await queryOne<CredentialRow>(
    db,
    sql`
    insert into credentials (id, kind, organization_id, directory_id, name, secret_hash, secret_hint, scopes,
                             expires_at, created_by, created_via)
    values (${c.id}, ${c.kind}, ${c.organizationId}, ${c.directoryId}, ${c.name}, ${c.secretHash}, ${c.secretHint},
            ${[...c.scopes]}, ${c.expiresAt}, ${c.createdBy}, ${c.createdVia})
    on conflict (secret_hash) do nothing
    returning *`,
  );
  return row && toCredential(row);
}

/** A credential found for authentication, with the state of the directory a SCIM token belongs to. */
export interface PresentedCredential extends Credential {
  readonly directory: {
    readonly state: DirectoryState;
    readonly provider: string;
    readonly unknownAttributes: 'lenient' | 'strict' | null;
    readonly modelVersion: number;
  } | null;
}

/**
 * The credential whose secret has this digest, whatever its state (the caller checks expiry and revocation),
 * joined with its directory so a SCIM request authenticates in one round trip.
 */
export async function selectCredentialBySecretHash(
  db: Executor,
  secretHash: Buffer,
): Promise<PresentedCredential | undefined> {
  const row = await queryOne<
    CredentialRow & {
      directory_state: DirectoryState | null;
      directory_provider: string | null;
      directory_unknown_attributes: 'lenient' | 'strict' | null;
      directory_model_version: number | null;
    }
  >(
    db,
    sql`select c.*, d.state as directory_state, d.provider as directory_provider,
               d.unknown_attributes as directory_unknown_attributes,
               d.model_version as directory_model_version
        from credentials c
        left join directories d on d.organization_id = c.organization_id and d.id = c.directory_id
        where c.secret_hash = ${secretHash}`,
  );
  if (!row) return undefined;
  return {
    ...toCredential(row),
    directory:
      row.directory_state && row.directory_provider
        ? {
            state: row.directory_state,
            provider: row.directory_provider,
            unknownAttributes: row.directory_unknown_attributes,
            modelVersion: row.directory_model_version ?? 0,
          }
        : null,
  };
}

export async function selectCredential(
  db: Executor,
  id: CredentialId,
  scope: {
    kind: CredentialKind;
    organizationId?: OrganizationId | undefined;
    directoryId?: DirectoryId | undefined;
  },
): Promise<Credential | undefined> {
  const row = await queryOne<CredentialRow>(
    db,
    sql`
    select * from credentials
    where id = ${id} and kind = ${scope.kind}
      ${scope.organizationId ? sql`and organization_id = ${scope.organizationId}` : empty}
      ${scope.directoryId ? sql`and directory_id = ${scope.directoryId}` : empty}`,
  );
  return row && toCredential(row);
}

export async function selectDirectoryTokens(
  db: Executor,
  organizationId: OrganizationId,
  directoryId: DirectoryId,
  page: { after: string | undefined; limit: number },
): Promise<Credential[]> {
  const rows = await query<CredentialRow>(
    db,
    sql`
    select * from credentials
    where organization_id = ${organizationId} and directory_id = ${directoryId}
      ${page.after ? sql`and id > ${page.after}` : empty}
    order by id limit ${page.limit}`,
  );
  return rows.map(toCredential);
}

/** Admin keys of one organization, or platform keys when `organizationId` is null. */
export async function selectAdminKeys(
  db: Executor,
  organizationId: OrganizationId | null,
  page: { after: string | undefined; limit: number },
): Promise<Credential[]> {
  const rows = await query<CredentialRow>(
    db,
    sql`
    select * from credentials
    where kind = 'admin_key'
      and ${organizationId ? sql`organization_id = ${organizationId}` : sql`organization_id is null`}
      ${page.after ? sql`and id > ${page.after}` : empty}
    order by id limit ${page.limit}`,
  );
  return rows.map(toCredential);
}

/** Revokes now; returns false when it was already revoked (or does not exist). */
export async function revokeCredential(db: Executor, id: CredentialId): Promise<boolean> {
  const rows = await query(
    db,
    sql`update credentials set revoked_at = now() where id = ${id} and revoked_at is null returning id`,
  );
  return rows.length > 0;
}

/** Shortens a credential's life to `at` (used by rotation's grace period); never lengthens it. */
export async function expireCredentialAt(db: Executor, id: CredentialId, at: Date): Promise<void> {
  await query(
    db,
    sql`update credentials set expires_at = least(coalesce(expires_at, ${at}), ${at}) where id = ${id}`,
  );
}

/** Platform keys created from ROSTER_BOOTSTRAP_ADMIN_KEY other than the current one, still usable. */
export async function selectLiveBootstrapKeys(db: Executor): Promise<Credential[]> {
  const rows = await query<CredentialRow>(
    db,
    sql`
    select * from credentials
    where kind = 'admin_key' and organization_id is null and created_via = 'bootstrap' and revoked_at is null`,
  );
  return rows.map(toCredential);
}

/** Records use, at most once a minute per credential, so authentication does not write on every request. */
export async function touchCredential(db: Executor, id: CredentialId): Promise<void> {
  await query(
    db,
    sql`
    update credentials set last_used_at = now()
    where id = ${id} and (last_used_at is null or last_used_at < now() - interval '60 seconds')`,
  );
}
