/**
 * Keyset reads of a directory's users, groups and memberships for the normalized read API. Every statement is
 * one index range scan ending in LIMIT: a page costs the same at the first row and the millionth, and nothing
 * reads a whole directory. The page is cut first (inner query) and per-row extras (a user's group ids, a group's
 * member count) are computed only for the rows of that page (outer query), in the same round trip.
 *
 * The `...Query` builders are exported so the EXPLAIN script (`bench/read-bench.ts`) explains exactly this SQL.
 */
import type { DirectoryScope } from '../directory/scope.js';
import { type Executor, type Query, empty, join, query, queryOne, sql } from './database.js';

/** Where a page starts: after a user id, or after an (updated_at, id) position for `updatedAfter` listings. */
export type UserKeyset =
  | { readonly by: 'id'; readonly id: string }
  | { readonly by: 'updated'; readonly updatedMicros: string; readonly id: string };

export interface UserListFilter {
  /** Direct members of this group. */
  readonly groupId?: string | undefined;
  readonly active?: boolean | undefined;
  /** Case-insensitive exact match on any of the user's emails. */
  readonly email?: string | undefined;
  /** ISO date-time; switches the order to (updated_at, id). */
  readonly updatedAfter?: string | undefined;
}

export interface UserListRow {
  id: string;
  resource: Record<string, unknown>;
  app_attributes: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  /** updated_at in whole microseconds since the epoch (exact; a JS Date keeps only milliseconds). */
  updated_micros: string;
  group_ids: string[];
}

export interface GroupListRow {
  id: string;
  resource: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  member_count: number;
}

export interface MemberListRow {
  member_id: string;
  member_type: 'User' | 'Group';
  added_at: Date;
  /** The member user's stored resource; null for group members (and for a user that no longer exists). */
  user_resource: Record<string, unknown> | null;
  group_name: string | null;
}

const inScope = (alias: Query, scope: DirectoryScope) =>
  sql`${alias}.organization_id = ${scope.organizationId} and ${alias}.directory_id = ${scope.directoryId}`;

const updatedMicros = sql`(extract(epoch from u.updated_at) * 1000000)::bigint::text`;
// Exact: integer microseconds added to the epoch, never a float.
const fromMicros = (micros: string) =>
  sql`(timestamptz 'epoch' + ${micros}::bigint * interval '1 microsecond')`;

/**
 * One page of users (`limit` rows plus one to tell whether there are more). Ordered by id, or by
 * (updated_at, id) when `updatedAfter` is given so an incremental reader can resume from its last position.
 * With `groupId` the membership primary key drives the scan (its member_id order is the user id order).
 */
export function userPageQuery(
  scope: DirectoryScope,
  filter: UserListFilter,
  after: UserKeyset | undefined,
  limit: number,
): Query {
  const byUpdated = filter.updatedAfter !== undefined;
  // With a group, keyset on the membership column so the bound reaches the membership index scan.
  const idKey = filter.groupId !== undefined ? sql`m.member_id` : sql`u.id`;
  const conditions: Query[] = [inScope(sql`u`, scope)];
  if (filter.active !== undefined) conditions.push(sql`u.active = ${filter.active}`);
  if (filter.email !== undefined) {
    conditions.push(
      sql`u.id in (select e.user_id from scim_user_emails e
                   where ${inScope(sql`e`, scope)} and lower(e.value) = lower(${filter.email}::text))`,
    );
  }
  if (filter.updatedAfter !== undefined) conditions.push(sql`u.updated_at > ${filter.updatedAfter}`);
  if (after?.by === 'id') conditions.push(sql`${idKey} > ${after.id}`);
  if (after?.by === 'updated') {
    conditions.push(sql`(u.updated_at, u.id) > (${fromMicros(after.updatedMicros)}, ${after.id}::uuid)`);
  }
  const membership =
    filter.groupId !== undefined
      ? sql`join scim_group_members m on m.organization_id = u.organization_id
              and m.directory_id = u.directory_id and m.member_id = u.id
              and m.group_id = ${filter.groupId} and m.member_type = 'User'`
      : empty;
  const order = byUpdated ? sql`u.updated_at, u.id` : idKey;
  return sql`
    select p.id, p.resource, p.app_attributes, p.created_at, p.updated_at, p.updated_micros,
           array(select gm.group_id::text from scim_group_members gm
                 where ${inScope(sql`gm`, scope)} and gm.member_id = p.id and gm.member_type = 'User'
                 order by gm.group_id) as group_ids
    from (select u.id, u.resource, u.app_attributes, u.created_at, u.updated_at,
                 ${updatedMicros} as updated_micros
          from scim_users u ${membership}
          where ${join(conditions, ' and ')}
          order by ${order}
          limit ${limit + 1}) p
    order by ${byUpdated ? sql`p.updated_at, p.id` : sql`p.id`}`;
}

export async function selectUserPage(
  db: Executor,
  scope: DirectoryScope,
  filter: UserListFilter,
  after: UserKeyset | undefined,
  limit: number,
): Promise<UserListRow[]> {
  return query<UserListRow>(db, userPageQuery(scope, filter, after, limit));
}

/** One user with its direct group ids; `undefined` when the directory has no such user. */
export async function selectDirectoryUser(
  db: Executor,
  scope: DirectoryScope,
  id: string,
): Promise<UserListRow | undefined> {
  return queryOne<UserListRow>(
    db,
    sql`select u.id, u.resource, u.app_attributes, u.created_at, u.updated_at,
               ${updatedMicros} as updated_micros,
               array(select gm.group_id::text from scim_group_members gm
                     where ${inScope(sql`gm`, scope)} and gm.member_id = u.id and gm.member_type = 'User'
                     order by gm.group_id) as group_ids
        from scim_users u where ${inScope(sql`u`, scope)} and u.id = ${id}`,
  );
}

export interface GroupListFilter {
  readonly externalId?: string | undefined;
  /** Case-insensitive exact match on the group's name (displayName), like its uniqueness. */
  readonly name?: string | undefined;
}

// An index-only count over the membership primary key: O(members of this group), done per row of the page.
const memberCount = (groupId: Query, scope: DirectoryScope) =>
  sql`(select count(*) from scim_group_members gm
       where ${inScope(sql`gm`, scope)} and gm.group_id = ${groupId})::int`;

/** One page of groups by id (`limit` + 1 rows). */
export function groupPageQuery(
  scope: DirectoryScope,
  filter: GroupListFilter,
  afterId: string | undefined,
  limit: number,
): Query {
  const conditions: Query[] = [inScope(sql`g`, scope)];
  if (filter.externalId !== undefined) conditions.push(sql`g.external_id = ${filter.externalId}`);
  if (filter.name !== undefined) conditions.push(sql`lower(g.display_name) = lower(${filter.name}::text)`);
  if (afterId !== undefined) conditions.push(sql`g.id > ${afterId}`);
  return sql`
    select p.id, p.resource, p.created_at, p.updated_at, ${memberCount(sql`p.id`, scope)} as member_count
    from (select g.id, g.resource, g.created_at, g.updated_at from scim_groups g
          where ${join(conditions, ' and ')}
          order by g.id limit ${limit + 1}) p
    order by p.id`;
}

export async function selectGroupPage(
  db: Executor,
  scope: DirectoryScope,
  filter: GroupListFilter,
  afterId: string | undefined,
  limit: number,
): Promise<GroupListRow[]> {
  return query<GroupListRow>(db, groupPageQuery(scope, filter, afterId, limit));
}

export async function selectDirectoryGroup(
  db: Executor,
  scope: DirectoryScope,
  id: string,
): Promise<GroupListRow | undefined> {
  return queryOne<GroupListRow>(
    db,
    sql`select g.id, g.resource, g.created_at, g.updated_at, ${memberCount(sql`g.id`, scope)} as member_count
        from scim_groups g where ${inScope(sql`g`, scope)} and g.id = ${id}`,
  );
}

/**
 * One page of a group's direct members in member id order: a range scan of the membership primary key
 * (organization, directory, group, member), so page k of a 100k-member group reads `limit` + 1 index entries.
 */
export function memberPageQuery(
  scope: DirectoryScope,
  groupId: string,
  afterMemberId: string | undefined,
  limit: number,
): Query {
  // Per-row lookups (scalar subqueries) rather than joins: a join may sort or scan the whole groups table.
  return sql`
    select m.member_id, m.member_type, m.added_at,
           case when m.member_type = 'User' then
             (select u.resource from scim_users u where ${inScope(sql`u`, scope)} and u.id = m.member_id) end
             as user_resource,
           case when m.member_type = 'Group' then
             (select g.display_name from scim_groups g where ${inScope(sql`g`, scope)} and g.id = m.member_id) end
             as group_name
    from scim_group_members m
    where ${inScope(sql`m`, scope)} and m.group_id = ${groupId}
      ${afterMemberId !== undefined ? sql`and m.member_id > ${afterMemberId}` : empty}
    order by m.member_id
    limit ${limit + 1}`;
}

export async function selectMemberPage(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
  afterMemberId: string | undefined,
  limit: number,
): Promise<MemberListRow[]> {
  return query<MemberListRow>(db, memberPageQuery(scope, groupId, afterMemberId, limit));
}

/** True when the directory has a group with this id (a members listing of an unknown group is a 404). */
export async function groupExists(db: Executor, scope: DirectoryScope, id: string): Promise<boolean> {
  const row = await queryOne(
    db,
    sql`select 1 from scim_groups g where ${inScope(sql`g`, scope)} and g.id = ${id}`,
  );
  return row !== undefined;
}
