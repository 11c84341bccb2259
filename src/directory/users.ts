/**
 * User use cases. Each write runs in one transaction that locks the row it changes (RFC 7644 §3.14 versions are
 * checked under that lock), so concurrent writers serialise per user and `If-Match` is race-free.
 */
import { type Pool, transaction } from '../db/database.js';
import { USER_TABLE } from '../db/filter-sql.js';
import { selectGroupsOfUser } from '../db/group-store.js';
import * as store from '../db/user-store.js';
import type { UserRow } from '../db/user-store.js';
import { jsonEqual } from '../scim/attribute-values.js';
import { USER_RESOURCE_SCHEMAS } from '../scim/core-schemas.js';
import type { ListQuery } from '../scim/list-response.js';
import { applyPatch, parsePatchRequest } from '../scim/patch.js';
import type { GroupRef } from '../scim/render.js';
import { assertImmutableUnchanged, toCanonicalResource } from '../scim/resource.js';
import { isUuid, newUuidV7 } from '../shared/ids.js';
import { checkIfMatch } from './preconditions.js';
import { cursorPage, decodeCursor, planList, totalOf } from './resource-list.js';
import type { DirectoryScope } from './scope.js';

export interface UserResult {
  readonly row: UserRow;
  readonly groups: readonly GroupRef[];
}

export async function createUser(pool: Pool, scope: DirectoryScope, body: unknown): Promise<UserResult> {
  const { resource } = toCanonicalResource(body, USER_RESOURCE_SCHEMAS, 'create');
  const row = await transaction(pool, (tx) => store.insertUser(tx, scope, newUuidV7(), resource));
  return { row, groups: [] };
}

export async function getUser(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  const found = await store.selectUserWithGroups(pool, scope, id);
  if (!found) return undefined;
  const { groups, ...row } = found;
  return { row, groups: groups.map(toGroupRef) };
}

const toGroupRef = (g: { group_id: string; display: string; direct: boolean }): GroupRef => ({
  value: g.group_id,
  display: g.display,
  type: g.direct ? 'direct' : 'indirect',
});

/** PUT (RFC 7644 §3.5.1): the body replaces every writable attribute. */
export async function replaceUser(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  const { resource } = toCanonicalResource(body, USER_RESOURCE_SCHEMAS, 'replace');
  return writeUser(pool, scope, id, ifMatch, (current) => {
    assertImmutableUnchanged(current, resource, USER_RESOURCE_SCHEMAS);
    return resource;
  });
}

/** PATCH (RFC 7644 §3.5.2): all operations apply, or none. */
export async function patchUser(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  const operations = parsePatchRequest(body);
  return writeUser(
    pool,
    scope,
    id,
    ifMatch,
    (current) => applyPatch(current, operations, USER_RESOURCE_SCHEMAS).resource,
  );
}

export async function deleteUser(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  ifMatch: string | undefined,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  return transaction(pool, async (tx) => {
    const current = await store.selectUser(tx, scope, id, { forUpdate: true });
    if (!current) return false;
    checkIfMatch(ifMatch, current.version);
    return store.deleteUser(tx, scope, id);
  });
}

export interface UserPage {
  readonly results: readonly UserResult[];
  readonly totalResults: number;
  readonly nextCursor?: string;
  readonly previousCursor?: string;
}

/** `withGroups: false` skips the membership walk when the response will not show `groups`. */
export async function listUsers(
  pool: Pool,
  scope: DirectoryScope,
  q: ListQuery,
  withGroups = true,
): Promise<UserPage> {
  const keyset = decodeCursor(q);
  const plan = planList(q, USER_TABLE);
  const count = () => store.countUsers(pool, scope, plan.where);
  if (q.count === 0) return { results: [], totalResults: await count() };
  const fetched = await store.selectUsers(
    pool,
    scope,
    keyset ? planList(q, USER_TABLE, keyset) : plan,
    withGroups,
  );
  const { rows, ...cursors } = cursorPage(fetched, q, keyset);
  const totalResults =
    keyset || q.startIndex === undefined ? await count() : await totalOf(q, plan, rows.length, count);
  return {
    results: rows.map(({ groups, ...row }) => ({ row, groups: groups.map(toGroupRef) })),
    totalResults,
    ...cursors,
  };
}

async function writeUser(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  ifMatch: string | undefined,
  change: (current: Record<string, unknown>) => Record<string, unknown>,
): Promise<UserResult | undefined> {
  const row = await transaction(pool, async (tx) => {
    const current = await store.selectUser(tx, scope, id, { forUpdate: true });
    if (!current) return undefined;
    checkIfMatch(ifMatch, current.version);
    const next = change(current.resource);
    // IdPs re-send full state every sync cycle: an unchanged resource keeps its version and ETag.
    if (jsonEqual(current.resource, next)) return current;
    return store.updateUser(tx, scope, id, next);
  });
  if (!row) return undefined;
  return { row, groups: (await selectGroupsOfUser(pool, scope, id)).map(toGroupRef) };
}
