/** Organizations and directories. Every function takes the executor first and is scoped by organization. */
import type { UnknownAttributePolicy } from '../scim/normalizations.js';
import type { DirectoryScope } from '../directory/scope.js';
import type { DirectoryId, OrganizationId } from '../shared/ids.js';
import { type Executor, type Query, empty, query, queryOne, sql } from './database.js';

export interface Organization {
  readonly id: OrganizationId;
  readonly name: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type DirectoryState = 'active' | 'inactive';

export interface Directory {
  readonly id: DirectoryId;
  readonly organizationId: OrganizationId;
  readonly name: string;
  readonly provider: string;
  readonly state: DirectoryState;
  /** Overrides the provider profile's unknown-attribute policy; null follows the profile. */
  readonly unknownAttributes: UnknownAttributePolicy | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface OrganizationRow {
  id: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

interface DirectoryRow extends OrganizationRow {
  organization_id: string;
  provider: string;
  state: DirectoryState;
  unknown_attributes: UnknownAttributePolicy | null;
}

const toOrganization = (r: OrganizationRow): Organization => ({
  id: r.id as OrganizationId,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toDirectory = (r: DirectoryRow): Directory => ({
  id: r.id as DirectoryId,
  organizationId: r.organization_id as OrganizationId,
  name: r.name,
  provider: r.provider,
  state: r.state,
  unknownAttributes: r.unknown_attributes,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function insertOrganization(
  db: Executor,
  id: OrganizationId,
  name: string,
): Promise<Organization> {
  const row = await queryOne<OrganizationRow>(
    db,
    sql`insert into organizations (id, name) values (${id}, ${name}) returning *`,
  );
  return toOrganization(row!);
}

export async function selectOrganization(
  db: Executor,
  id: OrganizationId,
): Promise<Organization | undefined> {
  const row = await queryOne<OrganizationRow>(db, sql`select * from organizations where id = ${id}`);
  return row && toOrganization(row);
}

/** Keyset page in id order (UUIDv7 ids are creation-ordered). `only` narrows to one organization. */
export async function selectOrganizations(
  db: Executor,
  page: { after: string | undefined; limit: number; only: OrganizationId | undefined },
): Promise<Organization[]> {
  const rows = await query<OrganizationRow>(
    db,
    sql`select * from organizations
        where true
          ${page.after ? sql`and id > ${page.after}` : empty}
          ${page.only ? sql`and id = ${page.only}` : empty}
        order by id limit ${page.limit}`,
  );
  return rows.map(toOrganization);
}

export async function updateOrganizationName(
  db: Executor,
  id: OrganizationId,
  name: string,
): Promise<Organization | undefined> {
  const row = await queryOne<OrganizationRow>(
    db,
    sql`update organizations set name = ${name}, updated_at = now() where id = ${id} returning *`,
  );
  return row && toOrganization(row);
}

export async function deleteOrganization(db: Executor, id: OrganizationId): Promise<boolean> {
  // Its directories go with it (cascade): each is locked for the change first, as a directory's own deletion
  // does, so that no writer still in flight queues events for a directory that is gone.
  await query(
    db,
    sql`select roster_lock_directory(id) from directories where organization_id = ${id} order by id`,
  );
  const rows = await query(db, sql`delete from organizations where id = ${id} returning id`);
  return rows.length > 0;
}

export async function insertDirectory(
  db: Executor,
  input: { id: DirectoryId; organizationId: OrganizationId; name: string; provider: string },
): Promise<Directory> {
  const row = await queryOne<DirectoryRow>(
    db,
    sql`insert into directories (organization_id, id, name, provider)
        values (${input.organizationId}, ${input.id}, ${input.name}, ${input.provider})
        returning *`,
  );
  return toDirectory(row!);
}

/** A directory by id, optionally only when it belongs to `organizationId`. */
export async function selectDirectory(
  db: Executor,
  id: DirectoryId,
  organizationId?: OrganizationId,
): Promise<Directory | undefined> {
  const row = await queryOne<DirectoryRow>(
    db,
    sql`select * from directories
        where id = ${id} ${organizationId ? sql`and organization_id = ${organizationId}` : empty}`,
  );
  return row && toDirectory(row);
}

export async function selectDirectories(
  db: Executor,
  organizationId: OrganizationId,
  page: { after: string | undefined; limit: number },
): Promise<Directory[]> {
  const rows = await query<DirectoryRow>(
    db,
    sql`select * from directories
        where organization_id = ${organizationId} ${page.after ? sql`and id > ${page.after}` : empty}
        order by id limit ${page.limit}`,
  );
  return rows.map(toDirectory);
}

export async function updateDirectory(
  db: Executor,
  organizationId: OrganizationId,
  id: DirectoryId,
  changes: {
    name?: string | undefined;
    state?: DirectoryState | undefined;
    unknownAttributes?: UnknownAttributePolicy | null | undefined;
  },
): Promise<Directory | undefined> {
  const row = await queryOne<DirectoryRow>(
    db,
    sql`update directories set
          name = coalesce(${changes.name ?? null}, name),
          state = coalesce(${changes.state ?? null}, state),
          unknown_attributes = ${
            changes.unknownAttributes === undefined
              ? sql`unknown_attributes`
              : sql`${changes.unknownAttributes}`
          },
          updated_at = now()
        where organization_id = ${organizationId} and id = ${id}
        returning *`,
  );
  return row && toDirectory(row);
}

export async function deleteDirectory(
  db: Executor,
  organizationId: OrganizationId,
  id: DirectoryId,
): Promise<boolean> {
  const rows = await query(
    db,
    sql`delete from directories where organization_id = ${organizationId} and id = ${id} returning id`,
  );
  return rows.length > 0;
}

/** The directory's attribute mapping entries as stored (docs/attribute-mapping.md). */
export async function updateAttributeMapping(
  db: Executor,
  organizationId: OrganizationId,
  id: DirectoryId,
  entries: readonly { name: string; path: string; owner: string }[],
): Promise<void> {
  await query(
    db,
    sql`update directories set attribute_mapping = ${JSON.stringify(entries)}::jsonb, updated_at = now()
        where organization_id = ${organizationId} and id = ${id}`,
  );
}

/**
 * Locks the directory until commit: its lock exclusively (migration 0014), which waits for its writers in flight
 * (they share it while they queue events) and holds new ones back, then its row FOR UPDATE. For model changes and
 * the directory's deletion.
 */
export async function lockDirectoryForChange(db: Executor, scope: DirectoryScope): Promise<void> {
  await query(db, directoryForChange(scope));
}

/** The query {@link lockDirectoryForChange} runs, for a statement that locks and changes in one round trip. */
export const directoryForChange = (scope: DirectoryScope): Query => sql`
  select organization_id, id from directories
  where organization_id = ${scope.organizationId} and id = ${scope.directoryId}
    and roster_lock_directory(${scope.directoryId})
  for update`;

/**
 * The directory's number of users or groups: its counter (moved with the sequenced `*.created|deleted` events,
 * migrations 0011 and 0012) plus what its still-queued events add, read in one snapshot, so exact.
 */
export async function selectResourceCount(
  db: Executor,
  scope: DirectoryScope,
  type: 'User' | 'Group',
): Promise<number> {
  const row = await queryOne<{ n: string }>(db, resourceCount(scope, type));
  return Number(row?.n ?? 0);
}

/** {@link selectResourceCount} as a query of one row and column `n`, to embed in another statement. */
export function resourceCount(scope: DirectoryScope, type: 'User' | 'Group'): Query {
  const [counter, delta] =
    type === 'User' ? [sql`user_count`, sql`user_delta`] : [sql`group_count`, sql`group_delta`];
  return sql`select d.${counter} + coalesce((
              select sum(q.${delta}) from directory_event_queue q
              where q.organization_id = d.organization_id and q.directory_id = d.id), 0) as n
        from directories d
        where d.organization_id = ${scope.organizationId} and d.id = ${scope.directoryId}`;
}
