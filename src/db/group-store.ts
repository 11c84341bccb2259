/**
 * SCIM Groups and their memberships. Membership is a table keyed by (tenant, group, member): adding or removing
 * k members touches k rows, never the group's other members, and concurrent PATCHes of one group do not
 * overwrite each other.
 */
import type { DirectoryScope } from '../directory/scope.js';
import { isUuid } from '../shared/ids.js';
import {
  type Executor,
  type PageQuery,
  type Query,
  prepared,
  preparedPage,
  query,
  queryOne,
  sortKeyColumn,
  sql,
} from './database.js';
import { queueMembershipEvents, sharedDirectory } from './event-store.js';
import { uniquely } from './pg-errors.js';

export interface GroupRow {
  id: string;
  resource: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface MemberRef {
  value: string;
  type?: 'User' | 'Group' | undefined;
  display?: string | undefined;
}

export interface MemberRow {
  group_id: string;
  member_id: string;
  member_type: 'User' | 'Group';
  display: string | null;
}

export interface UserGroupRow {
  group_id: string;
  display: string;
  direct: boolean;
}

type Resource = Record<string, unknown>;
const GROUP_COLUMNS = sql`r.id, r.resource, r.version, r.created_at, r.updated_at`;
const where = (scope: DirectoryScope) =>
  sql`organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}`;

/** Runs a statement that returns `member_id` rows (a select, or a delete/insert … returning) and lists them. */
async function memberIds(db: Executor, statement: Query): Promise<string[]> {
  return (await query<{ member_id: string }>(db, statement)).map((r) => r.member_id);
}

/** One membership row added or removed: what `group.member_added`/`member_removed` events report. */
export interface Membership {
  readonly groupId: string;
  readonly memberId: string;
  readonly memberType: 'User' | 'Group';
}

const MEMBERSHIP = sql`group_id as "groupId", member_id as "memberId", member_type as "memberType"`;

async function memberships(db: Executor, statement: Query): Promise<Membership[]> {
  return inOrder(await query<Membership & Record<string, unknown>>(db, statement));
}

// RETURNING has no order; events of one statement come out by group, then member id (stable and repeatable).
const inOrder = (rows: Membership[]): Membership[] =>
  rows.sort((a, b) =>
    a.groupId === b.groupId ? a.memberId.localeCompare(b.memberId) : a.groupId.localeCompare(b.groupId),
  );

function hotColumns(resource: Resource) {
  return {
    displayName: typeof resource.displayName === 'string' ? resource.displayName : '',
    externalId:
      typeof resource.externalId === 'string' && resource.externalId !== '' ? resource.externalId : null,
  };
}

export async function insertGroup(db: Executor, scope: DirectoryScope, id: string, resource: Resource) {
  const c = hotColumns(resource);
  const row = await uniquely(
    () =>
      queryOne<GroupRow>(
        db,
        sql`insert into scim_groups as r (organization_id, directory_id, id, display_name, external_id, resource)
            values (${scope.organizationId}, ${scope.directoryId}, ${id}, ${c.displayName}, ${c.externalId},
                    ${JSON.stringify(resource)})
            returning ${GROUP_COLUMNS}`,
      ),
    `a group named "${c.displayName}" already exists in this directory`,
  );
  return row!;
}

export async function updateGroup(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  resource: Resource,
): Promise<GroupRow | undefined> {
  const c = hotColumns(resource);
  return uniquely(
    () =>
      queryOne<GroupRow>(
        db,
        prepared(sql`update scim_groups as r set display_name = ${c.displayName}, external_id = ${c.externalId},
              resource = ${JSON.stringify(resource)}, version = r.version + 1, updated_at = now()
            where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
              and r.id = ${id}
            returning ${GROUP_COLUMNS}`),
      ),
    `a group named "${c.displayName}" already exists in this directory`,
  );
}

/** Marks a membership-only change: the group's version moves so ETags change, its resource does not. */
export async function touchGroup(
  db: Executor,
  scope: DirectoryScope,
  id: string,
): Promise<GroupRow | undefined> {
  return queryOne<GroupRow>(db, prepared(bumpVersion(scope, id)));
}

/** The update that moves a group's version (membership changed), while `also` holds; returns the row. */
const bumpVersion = (scope: DirectoryScope, id: string, also: Query = sql`true`): Query =>
  sql`update scim_groups as r set version = r.version + 1, updated_at = now()
      where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId} and r.id = ${id}
        and ${also}
      returning ${GROUP_COLUMNS}`;

export async function selectGroup(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<GroupRow | undefined> {
  return queryOne<GroupRow>(db, prepared(groupById(scope, id, options.forUpdate ?? false)));
}

const groupById = (scope: DirectoryScope, id: string, forUpdate: boolean): Query =>
  sql`select ${GROUP_COLUMNS} from scim_groups r
      where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId} and r.id = ${id}
      ${forUpdate ? sql`for update` : sql``}`;

export async function deleteGroup(db: Executor, scope: DirectoryScope, id: string): Promise<boolean> {
  const rows = await query(
    db,
    sql`delete from scim_groups where ${where(scope)} and id = ${id} returning id`,
  );
  return rows.length > 0;
}

/**
 * Deletes every membership a group takes part in, as a member of other groups and as the group of its members,
 * and returns them (the removals its deletion implies, reported before `group.deleted`).
 */
export async function deleteMembershipsOfGroup(
  db: Executor,
  scope: DirectoryScope,
  id: string,
): Promise<Membership[]> {
  return memberships(
    db,
    sql`delete from scim_group_members
        where ${where(scope)} and (member_id = ${id} or group_id = ${id})
        returning ${MEMBERSHIP}`,
  );
}

/** Deletes a user's memberships (before the user goes) and returns them. */
export async function deleteMembershipsOfUser(
  db: Executor,
  scope: DirectoryScope,
  userId: string,
): Promise<Membership[]> {
  return memberships(
    db,
    sql`delete from scim_group_members where ${where(scope)} and member_id = ${userId} returning ${MEMBERSHIP}`,
  );
}

export async function selectGroups(
  db: Executor,
  scope: DirectoryScope,
  page: PageQuery,
): Promise<GroupRow[]> {
  const q = sql`select ${GROUP_COLUMNS}${sortKeyColumn(page)} from scim_groups r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and (${page.where})
        order by ${page.orderBy}
        offset ${page.offset} limit ${page.limit}`;
  return query<GroupRow>(db, page.generic ? preparedPage(q) : q);
}

export async function countGroups(db: Executor, scope: DirectoryScope, filter: Query): Promise<number> {
  const row = await queryOne<{ n: number }>(
    db,
    sql`select count(*)::int as n from scim_groups r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and (${filter})`,
  );
  return row?.n ?? 0;
}

/** The distinct member ids asked for (lower case) with the display each was sent with, and how many were no id. */
function requested(members: readonly MemberRef[]): { byId: Map<string, string | null>; malformed: number } {
  const byId = new Map<string, string | null>();
  let malformed = 0;
  for (const m of members) {
    const id = m.value.toLowerCase();
    if (!isUuid(id)) malformed++;
    else if (!byId.has(id)) byId.set(id, m.display ?? null);
  }
  return { byId, malformed };
}

/**
 * The CTEs `known_users` and `known(id, type)`: which of `ids` name a user, or else a group other than `groupId`,
 * of the directory, read only while `gate` (a condition) holds. Ids found as users are not looked up again among
 * the groups, so an add of users, the usual kind, probes one primary key per member, not two.
 */
function knownMembers(scope: DirectoryScope, groupId: string, ids: readonly string[], gate: Query): Query {
  const { organizationId: org, directoryId: dir } = scope;
  return sql`known_users as (
          select u.id from scim_users u
          where u.organization_id = ${org} and u.directory_id = ${dir} and u.id = any(${ids}::uuid[]) and ${gate}
        ), known as (
          select id, 'User' as type from known_users
          union all
          select g.id, 'Group' from scim_groups g
          where g.organization_id = ${org} and g.directory_id = ${dir} and g.id <> ${groupId} and ${gate}
            and g.id = any(array(select unnest(${ids}::uuid[]) except all select id from known_users))
        )`;
}

/**
 * The insert (for a data-modifying CTE after {@link knownMembers}; the caller adds `returning`) of the requested
 * members that are known, while `gate` holds; members the group has already are skipped.
 */
const insertKnown = (
  scope: DirectoryScope,
  groupId: string,
  byId: ReadonlyMap<string, string | null>,
  gate: Query,
): Query =>
  sql`insert into scim_group_members (organization_id, directory_id, group_id, member_id, member_type, display)
      select ${scope.organizationId}, ${scope.directoryId}, ${groupId}, k.id, k.type, req.display
      from unnest(${[...byId.keys()]}::uuid[], ${[...byId.values()]}::text[]) as req(id, display)
      join known k on k.id = req.id
      where ${gate}
      on conflict do nothing`;

/**
 * Adds members that exist in this directory (users or groups, by id); unknown ids are skipped rather than failing
 * the whole request (IDP-QUIRKS §11.3: a 400 makes Okta drop its whole push). Returns the memberships actually
 * added (not those that already existed) and how many requested ids named nothing in the directory.
 */
export async function addMembers(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
  members: readonly MemberRef[],
): Promise<{ added: Membership[]; unknown: number }> {
  const { byId, malformed } = requested(members);
  if (byId.size === 0) return { added: [], unknown: malformed };
  const row = await queryOne<{ known: number; added: Membership[] }>(
    db,
    prepared(sql`with ${knownMembers(scope, groupId, [...byId.keys()], sql`true`)}, inserted as (
          ${insertKnown(scope, groupId, byId, sql`true`)}
          returning ${MEMBERSHIP}
        )
        select (select count(*) from known)::int as known,
               coalesce((select json_agg(inserted) from inserted), '[]'::json) as added`),
  );
  return { added: inOrder(row?.added ?? []), unknown: malformed + byId.size - (row?.known ?? 0) };
}

/** What a membership change by one statement did: the group after it (none when there is no such group). */
export interface AloneChange {
  readonly row: GroupRow | undefined;
  /** How many requested ids named no user or group of the directory (malformed ones included; adds only). */
  readonly unknown: number;
  /** How many memberships were added or removed (the events queued). */
  readonly changed: number;
}

/**
 * A PATCH that only adds members, as one statement that commits on its own (see {@link aloneChange}): the members
 * that exist and are not members yet are added, one `group.member_added` each. When unknown ids are not to be
 * skipped (`skipUnknown` false) and some are, nothing is written; the caller answers 400.
 */
export async function addMembersAlone(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
  members: readonly MemberRef[],
  skipUnknown: boolean,
): Promise<AloneChange> {
  const { byId, malformed } = requested(members);
  const requestedIds = byId.size + malformed;
  const gate = sql`(${skipUnknown}::boolean or (select count(*) from known) = ${requestedIds}::int)
            and exists (select 1 from directory)`;
  const change = sql`${knownMembers(scope, groupId, [...byId.keys()], sql`exists (select 1 from grp)`)},
        changed as (${insertKnown(scope, groupId, byId, gate)} returning member_id, member_type)`;
  const known = sql`(select count(*) from known)`;
  const done = await aloneChange(db, scope, groupId, 'group.member_added', change, known);
  return { row: done.row, unknown: done.row ? requestedIds - done.known : 0, changed: done.changed };
}

/**
 * A PATCH that only removes members, as one statement that commits on its own (see {@link aloneChange}): ids that
 * are not members are ignored, as {@link removeMembers} does; one `group.member_removed` per member removed.
 */
export async function removeMembersAlone(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
  values: readonly string[],
): Promise<AloneChange> {
  const change = sql`changed as (
          delete from scim_group_members
          where ${where(scope)} and group_id = ${groupId} and member_id = any(${memberIdsOf(values)}::uuid[])
            and exists (select 1 from grp) and exists (select 1 from directory)
          returning member_id, member_type
        )`;
  const { row, changed } = await aloneChange(db, scope, groupId, 'group.member_removed', change, sql`0`);
  return { row, unknown: 0, changed };
}

/**
 * A membership change of one group as one statement that commits on its own, instead of a transaction of six
 * round trips (the group locked, the rows changed, `touchGroup`, `appendEvents`): `change` is CTEs ending in
 * `changed(member_id, member_type)`, the rows it added or removed, which may read `grp` (the group, locked) and
 * `directory` (the directory's shared lock); `known` counts the ids found. The group's version moves when a row
 * changed, and one event of `type` per row is queued (`queueMembershipEvents`).
 *
 * The transactional path's order holds: the group's row lock first (the `for update` CTE, which the lookups
 * wait for), then the directory's shared lock, then the rows, then the queue row, drawn after them (migration
 * 0012). The caller sequences the queued events (`sequenceEvents`) once this returns.
 */
async function aloneChange(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
  type: 'group.member_added' | 'group.member_removed',
  change: Query,
  known: Query,
): Promise<{ row: GroupRow | undefined; known: number; changed: number }> {
  const row = await queryOne<GroupRow & { known: number; changed: number }>(
    db,
    prepared(sql`with grp as (${groupById(scope, groupId, true)}),
        directory as (${sharedDirectory(scope)}),
        ${change},
        touched as (${bumpVersion(scope, groupId, sql`exists (select 1 from changed)`)}),
        appended as (${queueMembershipEvents(scope, type, groupId, sql`changed`)})
        select r.*, ${known}::int as known, (select count(*) from changed)::int as changed
        from (select * from touched union all select * from grp where not exists (select 1 from touched)) r`),
  );
  if (!row) return { row: undefined, known: 0, changed: 0 };
  const { known: found, changed, ...group } = row;
  return { row: group, known: found, changed };
}

/** The distinct member ids among `values`, lower case; values that are no id name no member. */
const memberIdsOf = (values: readonly string[]): string[] => [
  ...new Set(values.map((v) => v.toLowerCase()).filter(isUuid)),
];

/** Removes the listed members; ids that are not members are ignored (IDP-QUIRKS §11.2). */
export async function removeMembers(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
  values: readonly string[],
): Promise<Membership[]> {
  const ids = memberIdsOf(values);
  if (ids.length === 0) return [];
  return memberships(
    db,
    sql`delete from scim_group_members
        where ${where(scope)} and group_id = ${groupId} and member_id = any(${ids}::uuid[])
        returning ${MEMBERSHIP}`,
  );
}

/** Every direct member id of a group (for computing a replace as a difference). */
export async function selectMemberIds(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
): Promise<string[]> {
  return memberIds(
    db,
    sql`select member_id from scim_group_members where ${where(scope)} and group_id = ${groupId}`,
  );
}

export async function removeAllMembers(
  db: Executor,
  scope: DirectoryScope,
  groupId: string,
): Promise<Membership[]> {
  return memberships(
    db,
    sql`delete from scim_group_members where ${where(scope)} and group_id = ${groupId} returning ${MEMBERSHIP}`,
  );
}

/** Direct members of the given groups with a display name (a user's displayName or userName, a group's name). */
export async function selectMembers(
  db: Executor,
  scope: DirectoryScope,
  groupIds: readonly string[],
): Promise<MemberRow[]> {
  if (groupIds.length === 0) return [];
  return query<MemberRow>(
    db,
    sql`select m.group_id, m.member_id, m.member_type,
               coalesce(m.display, u.display_name, u.user_name, g.display_name) as display
        from scim_group_members m
        left join scim_users u on m.member_type = 'User' and u.organization_id = m.organization_id
             and u.directory_id = m.directory_id and u.id = m.member_id
        left join scim_groups g on m.member_type = 'Group' and g.organization_id = m.organization_id
             and g.directory_id = m.directory_id and g.id = m.member_id
        where m.organization_id = ${scope.organizationId} and m.directory_id = ${scope.directoryId}
          and m.group_id = any(${groupIds}::uuid[])
        order by m.group_id, m.added_at, m.member_id`,
  );
}

/**
 * CTEs ending in `user_groups(user_id, groups)`: for each user `users` yields (a query selecting `id`), the groups
 * it belongs to, directly or through nested groups (RFC 7643 §4.1.2 `groups`: "direct" or "indirect"), as a JSON
 * array ordered by display name; users in no group are absent. Follows `with recursive`.
 *
 * Every membership lookup is an index probe by member id (`lateral ... offset 0` keeps the planner from turning
 * it into a join), whatever the statistics say: a directory whose rows the statistics under-count (memberships
 * just loaded, or a tenant outside the most-common-values list) was otherwise read whole, once per page and once
 * per nesting level (105 ms for a page of 100 users in 20 groups each, 8 ms per GET by id). The nesting walk runs
 * once per distinct group, not once per user and group, and stops at cycles.
 */
function userGroupsOf(scope: DirectoryScope, users: Query): Query {
  const { organizationId: org, directoryId: dir } = scope;
  return sql`direct as (
        select u.id as user_id, d.group_id
        from (${users}) u
        cross join lateral (
          select m.group_id from scim_group_members m
          where m.organization_id = ${org} and m.directory_id = ${dir} and m.member_id = u.id
          offset 0) d
      ),
      ${groupsUp(scope, sql`select distinct group_id from direct`)},
      reach as (
        select d.user_id, up.group_id, bool_or(up.group_id = d.group_id) as direct
        from direct d join up on up.start_id = d.group_id
        group by d.user_id, up.group_id
      ),
      user_groups as (
        select r.user_id,
               json_agg(json_build_object('group_id', g.id, 'display', g.display_name, 'direct', r.direct)
                        order by g.display_name) as groups
        from reach r
        join scim_groups g on g.organization_id = ${org} and g.directory_id = ${dir} and g.id = r.group_id
        group by r.user_id
      )`;
}

/**
 * The recursive CTE `up(start_id, group_id, path)`: each group id `starts` yields (a query of one column) and every
 * group it is nested in, directly or further up, stopping at cycles (`path`). Each step is an index probe by
 * member id (see {@link userGroupsOf}).
 */
function groupsUp(scope: DirectoryScope, starts: Query): Query {
  return sql`up(start_id, group_id, path) as (
        select s.id, s.id, array[s.id] from (${starts}) as s(id)
        union all
        select up.start_id, p.group_id, up.path || p.group_id
        from up
        cross join lateral (
          select m.group_id from scim_group_members m
          where m.organization_id = ${scope.organizationId} and m.directory_id = ${scope.directoryId}
            and m.member_type = 'Group' and m.member_id = up.group_id
          offset 0) p
        where not p.group_id = any(up.path)
      )`;
}

/** A group reached from a start group (see {@link selectGroupsAbove}). */
export interface ReachedGroup {
  readonly group_id: string;
  readonly display: string;
  /** Its place among all the groups of the answer in display-name order (the database's collation). */
  readonly rank: number;
}

/**
 * For each of `groupIds`, the groups it reaches: itself and every group it is nested in, directly or further up
 * (stopping at cycles), keyed by start group; groups that no longer exist are absent. A page of users is answered
 * from its users' direct group ids (read with the page) and this walk over the distinct groups among them, so the
 * walk's size is the page's groups, not users times groups: a cursor page of 1,000 users in 50 groups each walked
 * and serialized 50,000 rows. Every lookup is an index probe (see {@link userGroupsOf}); a prepared statement.
 */
export async function selectGroupsAbove(
  db: Executor,
  scope: DirectoryScope,
  groupIds: readonly string[],
): Promise<Map<string, ReachedGroup[]>> {
  const { organizationId: org, directoryId: dir } = scope;
  const rows = await query<ReachedGroup & { start_id: string }>(
    db,
    prepared(sql`with recursive ${groupsUp(scope, sql`select unnest(${groupIds}::uuid[])`)},
        reach as (select distinct start_id, group_id from up)
        select r.start_id, r.group_id, g.display_name as display,
               (dense_rank() over (order by g.display_name))::int as rank
        from reach r
        cross join lateral (
          select g.display_name from scim_groups g
          where g.organization_id = ${org} and g.directory_id = ${dir} and g.id = r.group_id
          offset 0) g`),
  );
  const above = new Map<string, ReachedGroup[]>();
  for (const { start_id, ...group } of rows) {
    const reached = above.get(start_id);
    if (reached) reached.push(group);
    else above.set(start_id, [group]);
  }
  return above;
}

/**
 * The groups of users whose direct groups are `directOf[i]`, given the walk above those groups
 * ({@link selectGroupsAbove}): what {@link userGroupsOf} answers, in the same order. Rows are shared between users.
 */
export function groupsOfDirect(
  directOf: readonly (readonly string[])[],
  above: ReadonlyMap<string, readonly ReachedGroup[]>,
): UserGroupRow[][] {
  const shared = new Map<string, UserGroupRow>();
  const rowOf = (group: ReachedGroup, direct: boolean): UserGroupRow => {
    const key = `${direct ? 'd' : 'i'}${group.group_id}`;
    let row = shared.get(key);
    if (!row) shared.set(key, (row = { group_id: group.group_id, display: group.display, direct }));
    return row;
  };
  return directOf.map((direct) => {
    // Every group reached from any direct group (each reaches itself unless it is gone), once.
    const reached = new Map<string, ReachedGroup>();
    for (const id of direct) for (const group of above.get(id) ?? []) reached.set(group.group_id, group);
    const isDirect = new Set(direct);
    return [...reached.values()]
      .sort((a, b) => a.rank - b.rank)
      .map((group) => rowOf(group, isDirect.has(group.group_id)));
  });
}

/**
 * A statement returning the rows of `found` (a CTE over `scim_users r`, e.g. users by id) with their groups as
 * `groups` (see {@link userGroupsOf}), so users and their groups come back in one round trip.
 */
export function withGroupsOf(scope: DirectoryScope, found: Query): Query {
  return sql`with recursive found as (${found}),
      ${userGroupsOf(scope, sql`select id from found`)}
    select f.*, coalesce(ug.groups, '[]'::json) as groups
    from found f left join user_groups ug on ug.user_id = f.id`;
}

/** The groups of one user (see {@link userGroupsOf}), for a write's response. A prepared statement. */
export async function selectGroupsOfUser(
  db: Executor,
  scope: DirectoryScope,
  userId: string,
): Promise<UserGroupRow[]> {
  const row = await queryOne<{ groups: UserGroupRow[] }>(
    db,
    prepared(sql`with recursive ${userGroupsOf(scope, sql`select ${userId}::uuid as id`)}
      select groups from user_groups`),
  );
  return row?.groups ?? [];
}
