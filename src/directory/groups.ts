/**
 * Group use cases. `members` never lives in the group's JSON: it is the membership table, changed member by
 * member, so a PATCH adding k members costs O(k) and concurrent PATCHes of one group all land.
 */
import { type Executor, type Pool, transaction } from '../db/database.js';
import { GROUP_TABLE } from '../db/filter-sql.js';
import * as store from '../db/group-store.js';
import type { GroupRow } from '../db/group-store.js';
import { jsonEqual } from '../scim/attribute-values.js';
import { GROUP_RESOURCE_SCHEMAS } from '../scim/core-schemas.js';
import type { Member, MemberChange } from '../scim/group-members.js';
import type { ListQuery } from '../scim/list-response.js';
import { applyPatch, parsePatchRequest } from '../scim/patch.js';
import type { MemberView } from '../scim/render.js';
import { assertImmutableUnchanged, toCanonicalResource } from '../scim/resource.js';
import { isUuid, newUuidV7 } from '../shared/ids.js';
import { checkIfMatch } from './preconditions.js';
import { cursorPage, decodeCursor, planList, totalOf } from './resource-list.js';
import type { DirectoryScope } from './scope.js';

export interface GroupResult {
  readonly row: GroupRow;
  /** Undefined when the caller asked not to load members (`excludedAttributes=members`). */
  readonly members: readonly MemberView[] | undefined;
}

/** Splits `members` off a canonical group body. */
function withoutMembers(resource: Record<string, unknown>): {
  resource: Record<string, unknown>;
  members: Member[];
} {
  const { members, ...rest } = resource;
  return { resource: rest, members: Array.isArray(members) ? (members as Member[]) : [] };
}

export async function createGroup(pool: Pool, scope: DirectoryScope, body: unknown): Promise<GroupResult> {
  const { resource, members } = withoutMembers(
    toCanonicalResource(body, GROUP_RESOURCE_SCHEMAS, 'create').resource,
  );
  const id = newUuidV7();
  const row = await transaction(pool, async (tx) => {
    const created = await store.insertGroup(tx, scope, id, resource);
    await store.addMembers(tx, scope, id, members);
    return created;
  });
  return { row, members: await membersOf(pool, scope, id) };
}

export async function getGroup(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  loadMembers = true,
): Promise<GroupResult | undefined> {
  if (!isUuid(id)) return undefined;
  const row = await store.selectGroup(pool, scope, id);
  if (!row) return undefined;
  return { row, members: loadMembers ? await membersOf(pool, scope, id) : undefined };
}

/** PUT (RFC 7644 §3.5.1): the body's members replace the group's members. */
export async function replaceGroup(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
): Promise<GroupResult | undefined> {
  if (!isUuid(id)) return undefined;
  const { resource, members } = withoutMembers(
    toCanonicalResource(body, GROUP_RESOURCE_SCHEMAS, 'replace').resource,
  );
  return writeGroup(pool, scope, id, ifMatch, (current) => {
    assertImmutableUnchanged(current, resource, GROUP_RESOURCE_SCHEMAS);
    return { resource, members: [{ kind: 'replace', members }] };
  });
}

export async function patchGroup(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
): Promise<GroupResult | undefined> {
  if (!isUuid(id)) return undefined;
  const operations = parsePatchRequest(body);
  return writeGroup(pool, scope, id, ifMatch, (current) =>
    applyPatch(current, operations, GROUP_RESOURCE_SCHEMAS),
  );
}

export async function deleteGroup(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  ifMatch: string | undefined,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  return transaction(pool, async (tx) => {
    const current = await store.selectGroup(tx, scope, id, { forUpdate: true });
    if (!current) return false;
    checkIfMatch(ifMatch, current.version);
    return store.deleteGroup(tx, scope, id);
  });
}

export interface GroupPage {
  readonly results: readonly GroupResult[];
  readonly totalResults: number;
  readonly nextCursor?: string;
  readonly previousCursor?: string;
}

export async function listGroups(
  pool: Pool,
  scope: DirectoryScope,
  q: ListQuery,
  loadMembers: boolean,
): Promise<GroupPage> {
  const keyset = decodeCursor(q);
  const plan = planList(q, GROUP_TABLE);
  const count = () => store.countGroups(pool, scope, plan.where);
  if (q.count === 0) return { results: [], totalResults: await count() };
  const fetched = await store.selectGroups(pool, scope, keyset ? planList(q, GROUP_TABLE, keyset) : plan);
  const { rows, ...cursors } = cursorPage(fetched, q, keyset);
  const totalResults =
    keyset || q.startIndex === undefined ? await count() : await totalOf(q, plan, rows.length, count);
  const members = loadMembers
    ? await membersByGroup(
        pool,
        scope,
        rows.map((r) => r.id),
      )
    : undefined;
  return {
    results: rows.map((row) => ({ row, members: members ? (members.get(row.id) ?? []) : undefined })),
    totalResults,
    ...cursors,
  };
}

async function writeGroup(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  ifMatch: string | undefined,
  change: (current: Record<string, unknown>) => {
    resource: Record<string, unknown>;
    members: readonly MemberChange[];
  },
): Promise<GroupResult | undefined> {
  const row = await transaction(pool, async (tx) => {
    const current = await store.selectGroup(tx, scope, id, { forUpdate: true });
    if (!current) return undefined;
    checkIfMatch(ifMatch, current.version);
    const next = change(current.resource);
    const membershipChanged = await applyMemberChanges(tx, scope, id, next.members);
    if (!jsonEqual(current.resource, next.resource)) return store.updateGroup(tx, scope, id, next.resource);
    return membershipChanged ? store.touchGroup(tx, scope, id) : current;
  });
  if (!row) return undefined;
  return { row, members: await membersOf(pool, scope, id) };
}

/** Applies membership changes in operation order; true when any row changed. */
async function applyMemberChanges(
  tx: Executor,
  scope: DirectoryScope,
  groupId: string,
  changes: readonly MemberChange[],
): Promise<boolean> {
  let changed = false;
  for (const change of changes) {
    let touched: string[];
    if (change.kind === 'add') touched = await store.addMembers(tx, scope, groupId, change.members);
    else if (change.kind === 'remove') touched = await store.removeMembers(tx, scope, groupId, change.values);
    else if (change.kind === 'removeAll') touched = await store.removeAllMembers(tx, scope, groupId);
    else {
      // Replace touches only the difference, so re-sending the same list (authentik, Keycloak PUT the full
      // group every cycle) changes nothing and keeps the version.
      const current = new Set(await store.selectMemberIds(tx, scope, groupId));
      const wanted = new Set(change.members.map((m) => m.value.toLowerCase()));
      touched = [
        ...(await store.removeMembers(
          tx,
          scope,
          groupId,
          [...current].filter((id) => !wanted.has(id)),
        )),
        ...(await store.addMembers(
          tx,
          scope,
          groupId,
          change.members.filter((m) => !current.has(m.value.toLowerCase())),
        )),
      ];
    }
    changed ||= touched.length > 0;
  }
  return changed;
}

async function membersOf(pool: Pool, scope: DirectoryScope, id: string): Promise<MemberView[]> {
  return (await membersByGroup(pool, scope, [id])).get(id) ?? [];
}

async function membersByGroup(pool: Pool, scope: DirectoryScope, ids: readonly string[]) {
  const byGroup = new Map<string, MemberView[]>();
  for (const m of await store.selectMembers(pool, scope, ids)) {
    const list = byGroup.get(m.group_id) ?? [];
    list.push({ value: m.member_id, display: m.display, type: m.member_type });
    byGroup.set(m.group_id, list);
  }
  return byGroup;
}
