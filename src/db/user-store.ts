/**
 * SCIM Users of a directory. The canonical resource is JSONB; the attributes IdPs filter and sort on are kept
 * in indexed columns, written from the resource on every insert and update, and `emails` are rows.
 */
import type { DirectoryScope } from '../directory/scope.js';
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
import { type UserGroupRow, groupsOfDirect, selectGroupsAbove, withGroupsOf } from './group-store.js';
import { uniquely } from './pg-errors.js';
import { isoOfTimestamptz } from './timestamps.js';

export interface UserRow {
  id: string;
  resource: Record<string, unknown>;
  /** The app's own values of the attributes the mapping declares app-owned (never written by the IdP). */
  app_attributes: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/**
 * A user row as responses that copy it read it: the resource as its stored JSON text, the timestamps as ISO 8601
 * text (`Date.prototype.toISOString`'s), neither parsed.
 */
export interface UserJsonRow {
  id: string;
  resource_json: string;
  version: number;
  created: string;
  last_modified: string;
}

type Resource = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The indexed columns, derived from the canonical resource. */
function hotColumns(resource: Resource) {
  const name = (resource.name ?? {}) as Record<string, unknown>;
  return {
    userName: str(resource.userName) ?? '',
    externalId: str(resource.externalId),
    displayName: str(resource.displayName),
    givenName: str(name.givenName),
    familyName: str(name.familyName),
    active: resource.active !== false,
  };
}

const USER_COLUMNS = sql`r.id, r.resource, r.app_attributes, r.version, r.created_at, r.updated_at`;
// Timestamps as text (what the driver receives anyway), turned into ISO text without a Date in between.
const USER_JSON_COLUMNS = sql`r.id, r.resource::text as resource_json, r.version, r.created_at::text as created,
  r.updated_at::text as last_modified`;

export async function insertUser(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  resource: Resource,
): Promise<UserRow> {
  const c = hotColumns(resource);
  const row = await uniquely(
    () =>
      queryOne<UserRow>(
        db,
        sql`insert into scim_users as r (organization_id, directory_id, id, user_name, external_id, display_name,
                                        given_name, family_name, active, resource)
            values (${scope.organizationId}, ${scope.directoryId}, ${id}, ${c.userName}, ${c.externalId},
                    ${c.displayName}, ${c.givenName}, ${c.familyName}, ${c.active}, ${JSON.stringify(resource)})
            returning ${USER_COLUMNS}`,
      ),
    `userName "${c.userName}" is already taken in this directory`,
  );
  await replaceEmails(db, scope, id, resource);
  return row!;
}

/**
 * Inserts a user with its emails and `also` in one statement: one round trip, which the caller can send outside a
 * transaction (it commits alone, all or nothing). `guard` is a query for the `guard` CTE; the user is inserted
 * only when it returns a row, and `undefined` is returned otherwise. `also(inserted)` is a data-modifying
 * statement (for a CTE) that `inserted` (one row when the user was inserted) gates: its other writes.
 */
export async function insertUserGuarded(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  resource: Resource,
  guard: Query,
  also: (inserted: Query) => Query,
): Promise<UserRow | undefined> {
  const c = hotColumns(resource);
  const emails = emailRows([{ id, resource }]);
  return uniquely(
    () =>
      queryOne<UserRow>(
        db,
        prepared(sql`
        with guard as (${guard}),
        inserted as (
          insert into scim_users as r (organization_id, directory_id, id, user_name, external_id, display_name,
                                       given_name, family_name, active, resource)
          select ${scope.organizationId}, ${scope.directoryId}, ${id}, ${c.userName}, ${c.externalId},
                 ${c.displayName}, ${c.givenName}, ${c.familyName}, ${c.active}, ${JSON.stringify(resource)}
          from (select 1 from guard limit 1) as g
          returning ${USER_COLUMNS}
        ),
        emails as (${emailsInsert(scope, emails, sql`(select 1 from inserted)`)}),
        also as (${also(sql`(select 1 from inserted)`)})
        select * from inserted`),
      ),
    `userName "${c.userName}" is already taken in this directory`,
  );
}

/**
 * Inserts many users with one statement for the users and one for their emails, in the given order. A user that
 * would break a unique key (userName, case-insensitively, against stored users or users earlier in `users`) is
 * skipped, not an error: the caller reports it as the 409 a single insert would have raised. Returns the rows
 * actually inserted, one per stored user, so per-row work in the same transaction (an event and an audit entry
 * for each created user) can hang on them.
 */
export async function insertUsers(
  db: Executor,
  scope: DirectoryScope,
  users: readonly { id: string; resource: Resource }[],
): Promise<UserRow[]> {
  if (users.length === 0) return [];
  const columns = users.map((u) => hotColumns(u.resource));
  const rows = await query<UserRow>(
    db,
    sql`insert into scim_users as r (organization_id, directory_id, id, user_name, external_id, display_name,
                                    given_name, family_name, active, resource)
        select ${scope.organizationId}, ${scope.directoryId}, u.id, u.user_name, u.external_id, u.display_name,
               u.given_name, u.family_name, u.active, u.resource
        from unnest(${users.map((u) => u.id)}::uuid[], ${columns.map((c) => c.userName)}::text[],
                    ${columns.map((c) => c.externalId)}::text[], ${columns.map((c) => c.displayName)}::text[],
                    ${columns.map((c) => c.givenName)}::text[], ${columns.map((c) => c.familyName)}::text[],
                    ${columns.map((c) => c.active)}::boolean[],
                    ${users.map((u) => JSON.stringify(u.resource))}::jsonb[])
             with ordinality as u(id, user_name, external_id, display_name, given_name, family_name, active,
                                  resource, position)
        order by u.position
        on conflict do nothing
        returning ${USER_COLUMNS}`,
  );
  const inserted = new Set(rows.map((r) => r.id));
  await insertEmails(
    db,
    scope,
    users.filter((u) => inserted.has(u.id)),
  );
  return rows;
}

/** Replaces the stored resource; bumps the version. `undefined` when the user does not exist. */
export async function updateUser(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  resource: Resource,
): Promise<UserRow | undefined> {
  const c = hotColumns(resource);
  const row = await uniquely(
    () =>
      queryOne<UserRow>(
        db,
        sql`update scim_users as r set
              user_name = ${c.userName}, external_id = ${c.externalId}, display_name = ${c.displayName},
              given_name = ${c.givenName}, family_name = ${c.familyName}, active = ${c.active},
              resource = ${JSON.stringify(resource)}, version = r.version + 1, updated_at = now()
            where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
              and r.id = ${id}
            returning ${USER_COLUMNS}`,
      ),
    `userName "${c.userName}" is already taken in this directory`,
  );
  if (row) await replaceEmails(db, scope, id, resource);
  return row;
}

/** One user; with `forUpdate` the row stays locked until the transaction ends. */
export async function selectUser(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<UserRow | undefined> {
  return queryOne<UserRow>(
    db,
    prepared(sql`select ${USER_COLUMNS} from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and r.id = ${id} ${options.forUpdate ? sql`for update` : sql``}`),
  );
}

/**
 * Up to `limit` users after `afterId` in id order (a keyset on the primary key), for walks over a whole
 * directory that must never hold it in memory at once.
 */
export async function selectUsersAfter(
  db: Executor,
  scope: DirectoryScope,
  afterId: string | undefined,
  limit: number,
): Promise<UserRow[]> {
  return query<UserRow>(
    db,
    sql`select ${USER_COLUMNS} from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          ${afterId === undefined ? sql`` : sql`and r.id > ${afterId}`}
        order by r.id
        limit ${limit}`,
  );
}

/**
 * Replaces the app's own attribute values. The SCIM resource, its version (ETag) and `updated_at` stay as they
 * are: they describe what the identity provider sent.
 */
export async function updateAppAttributes(
  db: Executor,
  scope: DirectoryScope,
  id: string,
  values: Record<string, unknown>,
): Promise<UserRow | undefined> {
  return queryOne<UserRow>(
    db,
    sql`update scim_users as r set app_attributes = ${JSON.stringify(values)}::jsonb
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and r.id = ${id}
        returning ${USER_COLUMNS}`,
  );
}

/** Users by id with the groups each belongs to (direct and indirect), in one round trip; missing ids are absent. */
export async function selectUsersWithGroups(
  db: Executor,
  scope: DirectoryScope,
  ids: readonly string[],
): Promise<(UserRow & { groups: UserGroupRow[] })[]> {
  return query<UserRow & { groups: UserGroupRow[] }>(
    db,
    prepared(
      withGroupsOf(
        scope,
        sql`select ${USER_COLUMNS} from scim_users r
            where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
              and r.id = any(${ids}::uuid[])`,
      ),
    ),
  );
}

/**
 * Users by userName with their groups, one round trip for many names. Compared as the filter compiler does
 * (`lower()` on both sides, RFC 7643 §4.1.1 caseExact false), by PostgreSQL; each row carries the name it was
 * asked for as `user_name_key`.
 */
export async function selectUsersByUserNames(
  db: Executor,
  scope: DirectoryScope,
  userNames: readonly string[],
): Promise<(UserRow & { groups: UserGroupRow[]; user_name_key: string })[]> {
  return query<UserRow & { groups: UserGroupRow[]; user_name_key: string }>(
    db,
    prepared(
      withGroupsOf(
        scope,
        sql`select ${USER_COLUMNS}, k.name as user_name_key
            from unnest(${userNames}::text[]) as k(name)
            join scim_users r on r.organization_id = ${scope.organizationId}
                 and r.directory_id = ${scope.directoryId} and lower(r.user_name) = lower(k.name)`,
      ),
    ),
  );
}

/** Deletes a user (its memberships first: `deleteMembershipsOfUser`); false when it did not exist. */
export async function deleteUser(db: Executor, scope: DirectoryScope, id: string): Promise<boolean> {
  const rows = await query(
    db,
    sql`delete from scim_users
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId} and id = ${id}
        returning id`,
  );
  return rows.length > 0;
}

/** A page of users, and the list's total when it was asked for (see {@link selectUsers}). */
export interface UserPageRows<R> {
  readonly rows: (R & { groups: UserGroupRow[] })[];
  /** The value of the `total` query; undefined when none was given or the page is empty. */
  readonly total?: number | undefined;
}

/**
 * A page of users matching `where` (a compiled filter over alias `r`), ordered by `orderBy`. With `withGroups`,
 * each row carries its groups (direct and indirect); otherwise `groups` is empty. `total` (a query of one row and
 * column `n`, e.g. {@link userCount}) is answered by the same statement.
 */
export function selectUsers(
  db: Executor,
  scope: DirectoryScope,
  page: PageQuery,
  withGroups: boolean,
  total?: Query,
): Promise<UserPageRows<UserRow>> {
  return selectPage<UserRow>(db, scope, page, withGroups, USER_COLUMNS, total);
}

/** {@link selectUsers} with each resource as its stored JSON text (no parse, for responses that copy it). */
export async function selectUserJsons(
  db: Executor,
  scope: DirectoryScope,
  page: PageQuery,
  withGroups: boolean,
  total?: Query,
): Promise<UserPageRows<UserJsonRow>> {
  const fetched = await selectPage<UserJsonRow>(db, scope, page, withGroups, USER_JSON_COLUMNS, total);
  for (const row of fetched.rows) {
    row.created = isoOfTimestamptz(row.created);
    row.last_modified = isoOfTimestamptz(row.last_modified);
  }
  return fetched;
}

/**
 * The page and the total come back from one statement (a filtered page was three round trips: page, count,
 * groups), with each user's direct group ids; the groups above those come from a second, prepared statement over
 * the page's distinct groups ({@link selectGroupsAbove}), skipped when no user on the page is in a group. Planning
 * the recursive walk inside every (unprepared) page statement cost PostgreSQL more than a round trip. The count
 * is an uncorrelated subquery (one InitPlan); the direct-groups probe is a correlated subquery, which PostgreSQL
 * evaluates only for the rows the limit keeps.
 */
async function selectPage<R extends { id: string }>(
  db: Executor,
  scope: DirectoryScope,
  page: PageQuery,
  withGroups: boolean,
  columns: Query,
  total: Query | undefined,
): Promise<UserPageRows<R>> {
  const { organizationId: org, directoryId: dir } = scope;
  const q = sql`select ${columns}
        ${total ? sql`, (${total})::float8 as page_total` : sql``}
        ${sortKeyColumn(page)}
        ${
          withGroups
            ? sql`, (select string_agg(m.group_id::text, ',' order by m.group_id) from scim_group_members m
                     where m.organization_id = ${org} and m.directory_id = ${dir} and m.member_id = r.id)
                    as direct_groups`
            : sql``
        }
      from scim_users r
      where r.organization_id = ${org} and r.directory_id = ${dir} and (${page.where})
      order by ${page.orderBy}
      offset ${page.offset} limit ${page.limit}`;
  type Fetched = R & { page_total?: number; direct_groups?: string | null; groups: UserGroupRow[] };
  const rows = await query<Fetched>(db, page.generic ? preparedPage(q) : q);
  // Users in the same groups (their direct ids come sorted) share one list of groups, worked out once: a page of
  // users in 50 groups each repeats a few such lists (a department, a team), and each list's rendering is shared
  // too (`userJsonWriter`).
  const sets = [...new Set(rows.map((r) => r.direct_groups ?? ''))];
  const directOf = sets.map((set) => (set ? set.split(',') : []));
  const starts = [...new Set(directOf.flat())];
  const groups = groupsOfDirect(
    directOf,
    starts.length > 0 ? await selectGroupsAbove(db, scope, starts) : new Map(),
  );
  const groupsOf = new Map(sets.map((set, i) => [set, groups[i]!]));
  // The driver's row objects are the page's own: they get `groups` rather than being copied without the helper
  // columns (renderers read named fields only).
  for (const row of rows) row.groups = groupsOf.get(row.direct_groups ?? '')!;
  return { rows, total: rows[0]?.page_total };
}

/** The number of users matching `where`, as a query of one row and column `n`. */
export function userCount(scope: DirectoryScope, where: Query): Query {
  return sql`select count(*)::int as n from scim_users r
      where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
        and (${where})`;
}

async function replaceEmails(db: Executor, scope: DirectoryScope, userId: string, resource: Resource) {
  await query(
    db,
    sql`delete from scim_user_emails
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
          and user_id = ${userId}`,
  );
  await insertEmails(db, scope, [{ id: userId, resource }]);
}

/** The `scim_user_emails` rows of users that have none yet, in one statement. */
async function insertEmails(
  db: Executor,
  scope: DirectoryScope,
  users: readonly { id: string; resource: Resource }[],
) {
  const rows = emailRows(users);
  if (rows.length > 0) await query(db, emailsInsert(scope, rows));
}

interface EmailRow {
  readonly id: string;
  readonly position: number;
  readonly value: string;
  readonly type: string | null;
  readonly primary: boolean;
}

function emailRows(users: readonly { id: string; resource: Resource }[]): EmailRow[] {
  return users.flatMap(({ id, resource }) => {
    const emails = Array.isArray(resource.emails) ? (resource.emails as Record<string, unknown>[]) : [];
    return emails
      .map((e, position) => ({
        id,
        position,
        value: str(e.value),
        type: str(e.type),
        primary: e.primary === true,
      }))
      .filter((e): e is EmailRow => !!e.value);
  });
}

/** Inserts `rows`; with `gate` (a query), once for each row it returns (for a data-modifying CTE). */
const emailsInsert = (scope: DirectoryScope, rows: readonly EmailRow[], gate?: Query): Query => sql`
  insert into scim_user_emails (organization_id, directory_id, user_id, position, value, type, is_primary)
  select ${scope.organizationId}, ${scope.directoryId}, e.user_id, e.position, e.value, e.type, e.is_primary
  from ${gate ? sql`${gate} as gate, ` : sql``}
       unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.position)}::int[],
              ${rows.map((r) => r.value)}::text[], ${rows.map((r) => r.type)}::text[],
              ${rows.map((r) => r.primary)}::boolean[])
         as e(user_id, position, value, type, is_primary)`;
