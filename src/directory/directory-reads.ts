/**
 * Reading a directory as the app sees it: normalized users and groups (the same projection the events carry,
 * `normalized.ts`), plus what only the current state knows (a user's direct group ids, a group's member count,
 * timestamps). Every read first resolves the directory through the caller's authority, so an organization key
 * cannot tell another organization's directory from a missing one.
 *
 * Positions are plain text here (`id`, or `micros.id` for updated-order listings); the HTTP layer makes them opaque.
 */
import type { Pool } from '../db/database.js';
import {
  type GroupListFilter,
  type GroupListRow,
  type UserKeyset,
  type UserListRow,
  groupExists,
  selectDirectoryGroup,
  selectDirectoryUser,
  selectGroupPage,
  selectMemberPage,
  selectUserPage,
} from '../db/directory-read-store.js';
import { type DirectoryId, isUuid } from '../shared/ids.js';
import { getDirectory } from '../tenants/organizations.js';
import type { Principal } from '../tenants/principal.js';
import { type NormalizedGroup, type NormalizedUser, normalizeGroup, normalizeUser } from './normalized.js';
import type { DirectoryScope } from './scope.js';
import type { AttributeMapping } from './attribute-mapping.js';
import { loadDirectoryModel } from './directory-model.js';

export interface DirectoryUser extends NormalizedUser {
  readonly id: string;
  readonly organizationId: string;
  readonly directoryId: string;
  /** Groups the user is a direct member of; membership through nested groups is not expanded. */
  readonly groupIds: readonly string[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface DirectoryGroup extends NormalizedGroup {
  readonly id: string;
  readonly organizationId: string;
  readonly directoryId: string;
  /** Direct members, users and groups. */
  readonly memberCount: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A direct member of a group. `type` uses the SCIM and event spelling (`memberType` of `group.member_added`). */
export interface DirectoryMember {
  readonly id: string;
  readonly type: 'User' | 'Group';
  readonly addedAt: Date;
  /** The user's normalized displayName, or the group's name. */
  readonly displayName: string | null;
  /** Users only. */
  readonly userName: string | null;
  /** Users only: the primary email. */
  readonly email: string | null;
}

export interface UserListQuery {
  readonly groupId?: string | undefined;
  readonly state?: 'active' | 'inactive' | undefined;
  readonly email?: string | undefined;
  readonly updatedAfter?: string | undefined;
  /** A position from an earlier page's `next`. */
  readonly after?: string | undefined;
  readonly limit: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Where the next page starts; absent on the last page. */
  readonly next?: string;
}

export type Read<T> =
  | { readonly found: true; readonly value: T }
  | { readonly found: false; readonly what: 'directory' | 'user' | 'group' | 'cursor' };

const missing = (what: 'directory' | 'user' | 'group' | 'cursor') => ({ found: false, what }) as const;
const found = <T>(value: T) => ({ found: true, value }) as const;

async function visibleScope(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
): Promise<DirectoryScope | undefined> {
  const directory = await getDirectory(pool, actor, directoryId);
  return directory && { organizationId: directory.organizationId, directoryId: directory.id };
}

const UPDATED_POSITION = /^(\d{1,18})\.([0-9a-f-]{36})$/;

function parseUserPosition(text: string, byUpdated: boolean): UserKeyset | undefined {
  if (!byUpdated) return isUuid(text) ? { by: 'id', id: text } : undefined;
  const match = UPDATED_POSITION.exec(text);
  return match && isUuid(match[2]!) ? { by: 'updated', updatedMicros: match[1]!, id: match[2]! } : undefined;
}

/** The first `limit` rows, and the position after the last of them when the store found one more. */
function toPage<R, T>(rows: R[], limit: number, position: (row: R) => string, view: (row: R) => T): Page<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items: items.map(view),
    ...(rows.length > limit && last !== undefined ? { next: position(last) } : {}),
  };
}

const userOf =
  (scope: DirectoryScope, mapping: AttributeMapping) =>
  (row: UserListRow): DirectoryUser => ({
    id: row.id,
    organizationId: scope.organizationId,
    directoryId: scope.directoryId,
    ...normalizeUser(row.resource, mapping, row.app_attributes),
    groupIds: row.group_ids,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

const groupOf =
  (scope: DirectoryScope) =>
  (row: GroupListRow): DirectoryGroup => ({
    id: row.id,
    organizationId: scope.organizationId,
    directoryId: scope.directoryId,
    ...normalizeGroup(row.resource),
    memberCount: row.member_count,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });

/**
 * A page of users, filtered by direct group membership, state, email (case-insensitive, any of the user's
 * emails) and last change. Ordered by id; with `updatedAfter`, by (updatedAt, id), so a reader can resume.
 */
export async function listUsers(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  q: UserListQuery,
): Promise<Read<Page<DirectoryUser>>> {
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return missing('directory');
  const byUpdated = q.updatedAfter !== undefined;
  const after = q.after === undefined ? undefined : parseUserPosition(q.after, byUpdated);
  if (q.after !== undefined && !after) return missing('cursor');
  const filter = {
    groupId: q.groupId,
    active: q.state === undefined ? undefined : q.state === 'active',
    email: q.email,
    updatedAfter: q.updatedAfter,
  };
  const rows = await selectUserPage(pool, scope, filter, after, q.limit);
  const position = (row: UserListRow) => (byUpdated ? `${row.updated_micros}.${row.id}` : row.id);
  const { mapping } = await loadDirectoryModel(pool, scope);
  return found(toPage(rows, q.limit, position, userOf(scope, mapping)));
}

export async function getUser(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  userId: string,
): Promise<Read<DirectoryUser>> {
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return missing('directory');
  const row = await selectDirectoryUser(pool, scope, userId);
  if (!row) return missing('user');
  const { mapping } = await loadDirectoryModel(pool, scope);
  return found(userOf(scope, mapping)(row));
}

export async function listGroups(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  q: GroupListFilter & { readonly after?: string | undefined; readonly limit: number },
): Promise<Read<Page<DirectoryGroup>>> {
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return missing('directory');
  if (q.after !== undefined && !isUuid(q.after)) return missing('cursor');
  const rows = await selectGroupPage(pool, scope, q, q.after, q.limit);
  return found(toPage(rows, q.limit, (row) => row.id, groupOf(scope)));
}

export async function getGroup(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  groupId: string,
): Promise<Read<DirectoryGroup>> {
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return missing('directory');
  const row = await selectDirectoryGroup(pool, scope, groupId);
  return row ? found(groupOf(scope)(row)) : missing('group');
}

/** A page of a group's direct members, in member id order (a keyset on the membership primary key). */
export async function listMembers(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  groupId: string,
  q: { readonly after?: string | undefined; readonly limit: number },
): Promise<Read<Page<DirectoryMember>>> {
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return missing('directory');
  if (!(await groupExists(pool, scope, groupId))) return missing('group');
  if (q.after !== undefined && !isUuid(q.after)) return missing('cursor');
  const rows = await selectMemberPage(pool, scope, groupId, q.after, q.limit);
  return found(
    toPage(
      rows,
      q.limit,
      (row) => row.member_id,
      (row): DirectoryMember => {
        // Only names and emails are shown here, which the attribute mapping does not affect.
        const user = row.user_resource ? normalizeUser(row.user_resource, []) : undefined;
        return {
          id: row.member_id,
          type: row.member_type,
          addedAt: row.added_at,
          displayName: user ? user.displayName : row.group_name,
          userName: user?.userName ?? null,
          email: user?.email ?? null,
        };
      },
    ),
  );
}
