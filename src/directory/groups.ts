/**
 * Group use cases. `members` never lives in the group's JSON: it is the membership table, changed member by
 * member, so a PATCH adding k members costs O(k) and concurrent PATCHes of one group all land.
 */
import { type Executor, type Pool, transaction } from '../db/database.js';
import { SEQUENCE_NOW_FROM, appendEvents, sequenceEvents } from '../db/event-store.js';
import { selectResourceCount } from '../db/organization-store.js';
import * as store from '../db/group-store.js';
import type { GroupRow } from '../db/group-store.js';
import { jsonEqual } from '../scim/attribute-values.js';
import type { Member, MemberChange } from '../scim/group-members.js';
import type { ListQuery } from '../scim/list-response.js';
import { type Tolerance, tolerate } from '../scim/normalizations.js';
import { ScimError } from '../scim/scim-error.js';
import { type MembershipChange, groupEvents, memberEvents } from '../events/directory-events.js';
import { type MembershipPatch, applyPatch, membershipChangesOf, parsePatchRequest } from '../scim/patch.js';
import type { MemberView } from '../scim/render.js';
import { assertImmutableUnchanged, toCanonicalResource } from '../scim/resource.js';
import { isUuid, newUuidV7 } from '../shared/ids.js';
import { checkIfMatch } from './preconditions.js';
import {
  type ListPlan,
  cursorPage,
  decodeCursor,
  listFilter,
  pageTotal,
  planList,
  readingCursor,
  withNextSegment,
} from './resource-list.js';
import type { DirectoryModel } from './directory-model.js';
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

export async function createGroup(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  body: unknown,
  tolerance: Tolerance,
): Promise<GroupResult> {
  return transaction(pool, (tx) => createGroupIn(tx, scope, model, body, tolerance));
}

/** {@link createGroup} inside a transaction the caller owns (a bulk cycle, RFC 7644 §3.7.1). */
export async function createGroupIn(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  body: unknown,
  tolerance: Tolerance,
): Promise<GroupResult> {
  const { resource, members } = withoutMembers(
    toCanonicalResource(body, model.schemas.group, 'create', tolerance).resource,
  );
  const id = newUuidV7();
  const row = await store.insertGroup(tx, scope, id, resource);
  const added = await addMembers(tx, scope, id, members, tolerance);
  const result = { row, members: await membersOf(tx, scope, id) };
  await appendEvents(tx, scope, [...groupEvents(undefined, row), ...memberEvents(added)]);
  return result;
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
  model: DirectoryModel,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  tolerance: Tolerance,
): Promise<GroupResult | undefined> {
  if (!isUuid(id)) return undefined;
  return transaction(pool, (tx) => replaceGroupIn(tx, scope, model, id, body, ifMatch, tolerance));
}

/** {@link replaceGroup} inside a transaction the caller owns. */
export async function replaceGroupIn(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  tolerance: Tolerance,
): Promise<GroupResult | undefined> {
  if (!isUuid(id)) return undefined;
  const { resource, members } = withoutMembers(
    toCanonicalResource(body, model.schemas.group, 'replace', tolerance).resource,
  );
  return writeGroup(tx, scope, id, ifMatch, tolerance, (current) => {
    assertImmutableUnchanged(current, resource, model.schemas.group);
    return { resource, members: [{ kind: 'replace', members }] };
  });
}

export async function patchGroup(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  tolerance: Tolerance,
  loadMembers = true,
): Promise<GroupResult | undefined> {
  if (!isUuid(id)) return undefined;
  const operations = parsePatchRequest(body, tolerance);
  const alone =
    !loadMembers && ifMatch === undefined ? aloneMembership(operations, model, tolerance) : undefined;
  if (alone) return changeMembersAlone(pool, scope, id, alone, tolerance);
  return transaction(pool, (tx) =>
    writeGroup(
      tx,
      scope,
      id,
      ifMatch,
      tolerance,
      (current) => applyPatch(current, operations, model.schemas.group, tolerance),
      loadMembers,
    ),
  );
}

/** A PATCH that only adds members, or only removes them, in an amount whose events are numbered after commit. */
interface AloneMembership {
  readonly patch: MembershipPatch;
  readonly change: Extract<MemberChange, { kind: 'add' | 'remove' }>;
}

/** The PATCH as an {@link AloneMembership} (Entra's one `add` or `remove` of `members` per request), if it is one. */
function aloneMembership(
  operations: ReturnType<typeof parsePatchRequest>,
  model: DirectoryModel,
  tolerance: Tolerance,
): AloneMembership | undefined {
  const patch = membershipChangesOf(operations, model.schemas.group, tolerance);
  const change = patch?.changes.length === 1 ? patch.changes[0] : undefined;
  if (!patch || !change || change.kind === 'replace' || change.kind === 'removeAll') return undefined;
  const size = change.kind === 'add' ? change.members.length : change.values.length;
  return size <= SEQUENCE_NOW_FROM ? { patch, change } : undefined;
}

/**
 * {@link patchGroup} for an {@link AloneMembership} answered without members: one statement instead of a
 * transaction (`store.addMembersAlone`, `store.removeMembersAlone`), with the transactional path's outcome,
 * events and errors.
 */
async function changeMembersAlone(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
  { patch, change }: AloneMembership,
  tolerance: Tolerance,
): Promise<GroupResult | undefined> {
  const skip = tolerance.allows('unknown-members-skipped');
  const done =
    change.kind === 'add'
      ? await store.addMembersAlone(pool, scope, id, change.members, skip)
      : await store.removeMembersAlone(pool, scope, id, change.values);
  if (!done.row) return undefined;
  patch.count();
  if (done.unknown > 0) {
    if (!skip)
      throw ScimError.invalidValue(`${done.unknown} member id(s) name no user or group in this directory`);
    tolerance.applied('unknown-members-skipped');
  }
  if (done.changed > 0) await sequenceEvents(pool, scope);
  return { row: done.row, members: undefined };
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
    // The removals a deletion implies come first, then the deletion (ARCHITECTURE.md, events).
    const removed = await store.deleteMembershipsOfGroup(tx, scope, id);
    await store.deleteGroup(tx, scope, id);
    await appendEvents(tx, scope, [
      ...memberEvents(removed.map((m) => ({ change: 'removed' as const, ...m }))),
      ...groupEvents(current, undefined),
    ]);
    return true;
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
  model: DirectoryModel,
  q: ListQuery,
  loadMembers: boolean,
): Promise<GroupPage> {
  const keyset = decodeCursor(q);
  const filter = listFilter(q);
  const plan = planList(q, model.groups, undefined, filter);
  const count = () =>
    q.filter ? store.countGroups(pool, scope, plan.where) : selectResourceCount(pool, scope, 'Group');
  if (q.count === 0) return { results: [], totalResults: await count() };
  const read = keyset ? planList(q, model.groups, keyset, filter) : plan;
  const select = (page: ListPlan) => store.selectGroups(pool, scope, page);
  const fetched = await readingCursor(keyset, async () => withNextSegment(read, await select(read), select));
  const totalResults = await pageTotal(q, plan, keyset, fetched.length, count);
  const { rows, ...cursors } = cursorPage(fetched, q, keyset, totalResults);
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

/** Locks the group, checks `If-Match`, applies `change(current)`, and reads the members, all in `tx`. */
async function writeGroup(
  tx: Executor,
  scope: DirectoryScope,
  id: string,
  ifMatch: string | undefined,
  tolerance: Tolerance,
  change: (current: Record<string, unknown>) => {
    resource: Record<string, unknown>;
    members: readonly MemberChange[];
  },
  loadMembers = true,
): Promise<GroupResult | undefined> {
  const current = await store.selectGroup(tx, scope, id, { forUpdate: true });
  if (!current) return undefined;
  checkIfMatch(ifMatch, current.version);
  const next = change(current.resource);
  const memberships = await applyMemberChanges(tx, scope, id, next.members, tolerance);
  const row = !jsonEqual(current.resource, next.resource)
    ? await store.updateGroup(tx, scope, id, next.resource)
    : memberships.length > 0
      ? await store.touchGroup(tx, scope, id)
      : current;
  if (!row) return undefined;
  // A response without members (Entra's 204, `excludedAttributes=members`) does not read a large group back.
  const result = { row, members: loadMembers ? await membersOf(tx, scope, id) : undefined };
  // Membership changes are their own events and do not also make a `group.updated` (ARCHITECTURE.md).
  await appendEvents(tx, scope, [...groupEvents(current, row), ...memberEvents(memberships)]);
  return result;
}

/** Adds members, skipping ids that name nothing in the directory (counted as a tolerated input). */
async function addMembers(
  tx: Executor,
  scope: DirectoryScope,
  groupId: string,
  members: readonly Member[],
  tolerance: Tolerance,
): Promise<MembershipChange[]> {
  const { added, unknown } = await store.addMembers(tx, scope, groupId, members);
  if (unknown > 0 && !tolerate(tolerance, 'unknown-members-skipped')) {
    throw ScimError.invalidValue(`${unknown} member id(s) name no user or group in this directory`);
  }
  return added.map((m) => ({ change: 'added', ...m }));
}

/** Applies membership changes in operation order; returns the rows added and removed, in that order. */
async function applyMemberChanges(
  tx: Executor,
  scope: DirectoryScope,
  groupId: string,
  changes: readonly MemberChange[],
  tolerance: Tolerance,
): Promise<MembershipChange[]> {
  const applied: MembershipChange[] = [];
  const removed = (rows: readonly store.Membership[]) =>
    applied.push(...rows.map((m) => ({ change: 'removed' as const, ...m })));
  for (const change of changes) {
    if (change.kind === 'add')
      applied.push(...(await addMembers(tx, scope, groupId, change.members, tolerance)));
    else if (change.kind === 'remove') removed(await store.removeMembers(tx, scope, groupId, change.values));
    else if (change.kind === 'removeAll') removed(await store.removeAllMembers(tx, scope, groupId));
    else {
      // Replace touches only the difference, so re-sending the same list (authentik, Keycloak PUT the full
      // group every cycle) changes nothing, keeps the version and emits no event.
      const current = new Set(await store.selectMemberIds(tx, scope, groupId));
      const wanted = new Set(change.members.map((m) => m.value.toLowerCase()));
      removed(
        await store.removeMembers(
          tx,
          scope,
          groupId,
          [...current].filter((id) => !wanted.has(id)),
        ),
      );
      const fresh = change.members.filter((m) => !current.has(m.value.toLowerCase()));
      applied.push(...(await addMembers(tx, scope, groupId, fresh, tolerance)));
    }
  }
  return applied;
}

async function membersOf(db: Executor, scope: DirectoryScope, id: string): Promise<MemberView[]> {
  return (await membersByGroup(db, scope, [id])).get(id) ?? [];
}

async function membersByGroup(db: Executor, scope: DirectoryScope, ids: readonly string[]) {
  const byGroup = new Map<string, MemberView[]>();
  for (const m of await store.selectMembers(db, scope, ids)) {
    const list = byGroup.get(m.group_id) ?? [];
    list.push({ value: m.member_id, display: m.display, type: m.member_type });
    byGroup.set(m.group_id, list);
  }
  return byGroup;
}
