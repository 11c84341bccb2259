/** Organization and directory use cases. Each mutation and its audit entry commit in one transaction. */
import { insertAuditEntry } from '../db/audit-store.js';
import { type Pool, transaction } from '../db/database.js';
import { appendEvents, sequenceEventsNow } from '../db/event-store.js';
import { directoryEvent } from '../events/directory-events.js';
import * as store from '../db/organization-store.js';
import type { Directory, DirectoryState, Organization } from '../db/organization-store.js';
import { type DirectoryId, type OrganizationId, newDirectoryId, newOrganizationId } from '../shared/ids.js';
import type { Provider } from './providers.js';
import {
  Forbidden,
  type Principal,
  auditActor,
  canSeeOrganization,
  isPlatform,
  requireScope,
} from './principal.js';

export interface Page {
  after: string | undefined;
  limit: number;
}

export async function createOrganization(
  pool: Pool,
  actor: Principal,
  input: { name: string },
): Promise<Organization> {
  requireScope(actor, 'admin:write');
  if (!isPlatform(actor)) throw new Forbidden('only platform admin keys create organizations');
  return transaction(pool, async (tx) => {
    const org = await store.insertOrganization(tx, newOrganizationId(), input.name);
    await insertAuditEntry(tx, {
      organizationId: org.id,
      ...auditActor(actor),
      action: 'organization.created',
      targetType: 'organization',
      targetId: org.id,
    });
    return org;
  });
}

export async function listOrganizations(pool: Pool, actor: Principal, page: Page): Promise<Organization[]> {
  requireScope(actor, 'admin:read');
  return store.selectOrganizations(pool, { ...page, only: actor.organizationId ?? undefined });
}

export async function getOrganization(
  pool: Pool,
  actor: Principal,
  id: OrganizationId,
): Promise<Organization | undefined> {
  requireScope(actor, 'admin:read');
  if (!canSeeOrganization(actor, id)) return undefined;
  return store.selectOrganization(pool, id);
}

export async function renameOrganization(
  pool: Pool,
  actor: Principal,
  id: OrganizationId,
  name: string,
): Promise<Organization | undefined> {
  requireScope(actor, 'admin:write');
  if (!canSeeOrganization(actor, id)) return undefined;
  return transaction(pool, async (tx) => {
    const org = await store.updateOrganizationName(tx, id, name);
    if (org) {
      await insertAuditEntry(tx, {
        organizationId: id,
        ...auditActor(actor),
        action: 'organization.renamed',
        targetType: 'organization',
        targetId: id,
      });
    }
    return org;
  });
}

/** Deletes an organization with everything in it. Only platform keys may; returns false when not found. */
export async function deleteOrganization(pool: Pool, actor: Principal, id: OrganizationId): Promise<boolean> {
  requireScope(actor, 'admin:write');
  if (!canSeeOrganization(actor, id)) return false;
  if (!isPlatform(actor)) throw new Forbidden('only platform admin keys delete organizations');
  return transaction(pool, async (tx) => {
    const deleted = await store.deleteOrganization(tx, id);
    if (deleted) {
      // The organization's own audit rows keep their organization_id; this entry lives in the platform log.
      await insertAuditEntry(tx, {
        organizationId: null,
        ...auditActor(actor),
        action: 'organization.deleted',
        targetType: 'organization',
        targetId: id,
      });
    }
    return deleted;
  });
}

export async function createDirectory(
  pool: Pool,
  actor: Principal,
  organizationId: OrganizationId,
  input: { name: string; provider: Provider },
): Promise<Directory | undefined> {
  requireScope(actor, 'admin:write');
  if (!canSeeOrganization(actor, organizationId)) return undefined;
  return transaction(pool, async (tx) => {
    if (!(await store.selectOrganization(tx, organizationId))) return undefined;
    const directory = await store.insertDirectory(tx, { id: newDirectoryId(), organizationId, ...input });
    await insertAuditEntry(tx, {
      organizationId,
      ...auditActor(actor),
      action: 'directory.created',
      targetType: 'directory',
      targetId: directory.id,
      details: { provider: input.provider },
    });
    // A new directory starts active: its stream opens with `directory.activated` (sequence 1).
    await appendEvents(tx, scopeOf(directory), [directoryEvent('directory.activated', directory)]);
    return directory;
  });
}

export async function listDirectories(
  pool: Pool,
  actor: Principal,
  organizationId: OrganizationId,
  page: Page,
): Promise<Directory[] | undefined> {
  requireScope(actor, 'admin:read');
  if (!canSeeOrganization(actor, organizationId)) return undefined;
  if (!(await store.selectOrganization(pool, organizationId))) return undefined;
  return store.selectDirectories(pool, organizationId, page);
}

/** A directory the caller may see; `undefined` for unknown ids and for other organizations' directories alike. */
export async function getDirectory(
  pool: Pool,
  actor: Principal,
  id: DirectoryId,
): Promise<Directory | undefined> {
  requireScope(actor, 'admin:read');
  return store.selectDirectory(pool, id, actor.organizationId ?? undefined);
}

export async function updateDirectory(
  pool: Pool,
  actor: Principal,
  id: DirectoryId,
  changes: {
    name?: string | undefined;
    state?: DirectoryState | undefined;
    unknownAttributes?: 'lenient' | 'strict' | null | undefined;
  },
): Promise<Directory | undefined> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const current = await store.selectDirectory(tx, id, actor.organizationId ?? undefined);
    if (!current) return undefined;
    const updated = await store.updateDirectory(tx, current.organizationId, id, changes);
    if (updated && updated.state !== current.state) {
      const type = updated.state === 'active' ? 'directory.activated' : 'directory.deactivated';
      await appendEvents(tx, scopeOf(updated), [directoryEvent(type, updated)]);
    }
    await insertAuditEntry(tx, {
      organizationId: current.organizationId,
      ...auditActor(actor),
      action: 'directory.updated',
      targetType: 'directory',
      targetId: id,
      details: {
        ...(changes.name ? { name: changes.name } : {}),
        ...(changes.state ? { state: changes.state } : {}),
        ...(changes.unknownAttributes !== undefined ? { unknownAttributes: changes.unknownAttributes } : {}),
      },
    });
    return updated;
  });
}

/** Deletes a directory, its tokens and (later) its users and groups. */
export async function deleteDirectory(pool: Pool, actor: Principal, id: DirectoryId): Promise<boolean> {
  requireScope(actor, 'admin:write');
  return transaction(pool, async (tx) => {
    const current = await store.selectDirectory(tx, id, actor.organizationId ?? undefined);
    if (!current) return false;
    // The event outlives the directory (the log has no foreign key to it); its users and groups go with it
    // without an event each: `directory.deleted` implies them. It is sequenced here, after the writers in flight
    // (locking the directory for the change waits for them), since the sequencing after commit needs the
    // directory row.
    const scope = scopeOf(current);
    await store.lockDirectoryForChange(tx, scope);
    await appendEvents(tx, scope, [directoryEvent('directory.deleted', current)]);
    await sequenceEventsNow(tx, scope);
    await store.deleteDirectory(tx, current.organizationId, id);
    await insertAuditEntry(tx, {
      organizationId: current.organizationId,
      ...auditActor(actor),
      action: 'directory.deleted',
      targetType: 'directory',
      targetId: id,
    });
    return true;
  });
}

const scopeOf = (d: Directory) => ({
  organizationId: d.organizationId,
  directoryId: d.id,
});
