/**
 * SCIM Users of a directory. The canonical resource is JSONB; the attributes IdPs filter and sort on are kept
 * in indexed columns, written from the resource on every insert and update, and `emails` are rows.
 */
import type { DirectoryScope } from '../directory/scope.js';
import { type Executor, type Query, query, queryOne, sql } from './database.js';
import { type UserGroupRow, groupsJsonOf } from './group-store.js';
import { uniquely } from './pg-errors.js';

export interface UserRow {
  id: string;
  resource: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
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

const USER_COLUMNS = sql`r.id, r.resource, r.version, r.created_at, r.updated_at`;

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
    sql`select ${USER_COLUMNS} from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and r.id = ${id} ${options.forUpdate ? sql`for update` : sql``}`,
  );
}

/** One user with the groups it belongs to (direct and indirect), in one round trip. */
export async function selectUserWithGroups(
  db: Executor,
  scope: DirectoryScope,
  id: string,
): Promise<(UserRow & { groups: UserGroupRow[] }) | undefined> {
  return queryOne<UserRow & { groups: UserGroupRow[] }>(
    db,
    sql`select ${USER_COLUMNS}, ${groupsJsonOf(scope, sql`r.id`)} as groups from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and r.id = ${id}`,
  );
}

/** Deletes a user and its memberships; false when it did not exist. */
export async function deleteUser(db: Executor, scope: DirectoryScope, id: string): Promise<boolean> {
  const rows = await query(
    db,
    sql`delete from scim_users
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId} and id = ${id}
        returning id`,
  );
  if (rows.length === 0) return false;
  await query(
    db,
    sql`delete from scim_group_members
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
          and member_id = ${id}`,
  );
  return true;
}

/** A page of users matching `where` (a compiled filter over alias `r`), ordered by `orderBy`. */
/** With `withGroups`, each row carries its groups (direct and indirect); otherwise `groups` is empty. */
export async function selectUsers(
  db: Executor,
  scope: DirectoryScope,
  page: { where: Query; orderBy: Query; offset: number; limit: number },
  withGroups: boolean,
): Promise<(UserRow & { groups: UserGroupRow[] })[]> {
  const groups = withGroups ? groupsJsonOf(scope, sql`r.id`) : sql`'[]'::json`;
  return query<UserRow & { groups: UserGroupRow[] }>(
    db,
    sql`select ${USER_COLUMNS}, ${groups} as groups from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and (${page.where})
        order by ${page.orderBy}
        offset ${page.offset} limit ${page.limit}`,
  );
}

export async function countUsers(db: Executor, scope: DirectoryScope, where: Query): Promise<number> {
  const row = await queryOne<{ n: number }>(
    db,
    sql`select count(*)::int as n from scim_users r
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and (${where})`,
  );
  return row?.n ?? 0;
}

async function replaceEmails(db: Executor, scope: DirectoryScope, userId: string, resource: Resource) {
  await query(
    db,
    sql`delete from scim_user_emails
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
          and user_id = ${userId}`,
  );
  const emails = Array.isArray(resource.emails) ? (resource.emails as Record<string, unknown>[]) : [];
  const rows = emails
    .map((e, position) => ({ position, value: str(e.value), type: str(e.type), primary: e.primary === true }))
    .filter(
      (e): e is { position: number; value: string; type: string | null; primary: boolean } => !!e.value,
    );
  if (rows.length === 0) return;
  await query(
    db,
    sql`insert into scim_user_emails (organization_id, directory_id, user_id, position, value, type, is_primary)
        select ${scope.organizationId}, ${scope.directoryId}, ${userId}, e.position, e.value, e.type, e.is_primary
        from unnest(${rows.map((r) => r.position)}::int[], ${rows.map((r) => r.value)}::text[],
                    ${rows.map((r) => r.type)}::text[], ${rows.map((r) => r.primary)}::boolean[])
             as e(position, value, type, is_primary)`,
  );
}
