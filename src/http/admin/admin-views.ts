/** Explicit mapping from domain objects to admin-API JSON, and the opaque list cursors. */
import type { StoredAuditEntry } from '../../db/audit-store.js';
import type { Credential } from '../../db/credential-store.js';
import type { Directory, Organization } from '../../db/organization-store.js';
import { isUuid } from '../../shared/ids.js';
import { profileOf } from '../../tenants/provider-profiles.js';
import { AdminError } from './admin-error.js';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

export const organizationView = (o: Organization) => ({
  id: o.id,
  name: o.name,
  createdAt: o.createdAt.toISOString(),
  updatedAt: o.updatedAt.toISOString(),
});

export const directoryView = (d: Directory, publicUrl: string) => ({
  id: d.id,
  organizationId: d.organizationId,
  name: d.name,
  provider: d.provider,
  state: d.state,
  unknownAttributes: d.unknownAttributes ?? profileOf(d.provider).unknownAttributes,
  unknownAttributesOverride: d.unknownAttributes,
  scimBaseUrl: `${publicUrl}/scim/v2/${d.id}`,
  createdAt: d.createdAt.toISOString(),
  updatedAt: d.updatedAt.toISOString(),
});

export const credentialView = (c: Credential) => ({
  id: c.id,
  organizationId: c.organizationId,
  name: c.name,
  scopes: [...c.scopes],
  hint: c.secretHint,
  createdAt: c.createdAt.toISOString(),
  expiresAt: iso(c.expiresAt),
  revokedAt: iso(c.revokedAt),
  lastUsedAt: iso(c.lastUsedAt),
  createdBy: c.createdBy,
});

export function scimTokenView(c: Credential) {
  // The schema guarantees it: a SCIM token always belongs to a directory.
  if (c.directoryId === null) throw new Error(`credential ${c.id} is not a SCIM token`);
  return { ...credentialView(c), directoryId: c.directoryId };
}

export const auditView = (e: StoredAuditEntry) => ({ ...e, occurredAt: e.occurredAt.toISOString() });

/** One page of a keyset listing: ask for limit + 1 rows, return limit and a cursor when there are more. */
export function toPage<T, V>(
  rows: readonly T[],
  limit: number,
  key: (row: T) => string,
  view: (row: T) => V,
) {
  const more = rows.length > limit;
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return {
    data: data.map(view),
    ...(more && last !== undefined ? { nextCursor: Buffer.from(key(last)).toString('base64url') } : {}),
  };
}

/** Decodes a cursor made by {@link toPage} back into the key it points after. */
export function fromCursor(
  cursor: string | undefined,
  kind: 'uuid' | 'integer' = 'uuid',
): string | undefined {
  if (cursor === undefined) return undefined;
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  const valid = kind === 'uuid' ? isUuid(key) : /^\d{1,15}$/.test(key);
  if (!valid) throw new AdminError('validation_failed', 'cursor is not one this API issued');
  return key;
}
