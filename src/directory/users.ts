/**
 * User use cases. Each write runs in one transaction that locks the row it changes (RFC 7644 §3.14 versions are
 * checked under that lock), so concurrent writers serialise per user and `If-Match` is race-free.
 */
import { type Executor, type Pool, type Query, queryOne, transaction } from '../db/database.js';
import {
  appendEvents,
  appendEventsAt,
  queueEvents,
  sequenceEvents,
  sharedDirectory,
} from '../db/event-store.js';
import type { UserGroupRow } from '../db/group-store.js';
import { LookupBatcher } from '../db/lookup-batcher.js';
import { resourceCount } from '../db/organization-store.js';
import { deleteMembershipsOfUser, selectGroupsOfUser } from '../db/group-store.js';
import { type NewEvent, memberEvents, userEvents } from '../events/directory-events.js';
import * as store from '../db/user-store.js';
import type { UserRow } from '../db/user-store.js';
import { jsonEqual } from '../scim/attribute-values.js';
import type { ListQuery } from '../scim/list-response.js';
import type { Tolerance } from '../scim/normalizations.js';
import { applyPatch, parsePatchRequest } from '../scim/patch.js';
import type { GroupRef } from '../scim/render.js';
import { assertImmutableUnchanged, toCanonicalResource } from '../scim/resource.js';
import { uniqueAttributes } from '../scim/custom-schemas.js';
import { ScimError } from '../scim/scim-error.js';
import { isUuid, newUuidV7 } from '../shared/ids.js';
import { checkIfMatch } from './preconditions.js';
import {
  type KeyLookup,
  type ListPlan,
  cursorPage,
  decodeCursor,
  keyLookupIn,
  listFilter,
  pageTotal,
  planList,
  readingCursor,
  withNextSegment,
} from './resource-list.js';
import type { AttributeMapping } from './attribute-mapping.js';
import { type DirectoryModel, lockCurrentModel } from './directory-model.js';
import type { DirectoryScope } from './scope.js';

export interface UserResult {
  readonly row: UserRow;
  readonly groups: readonly GroupRef[];
}

/**
 * Creates a user in one statement sent outside a transaction (the user, its emails and its queued `user.created`
 * commit together, all or nothing), then sequences the event: a POST costs two round trips, and the second is
 * shared with the POSTs to the same directory that committed meanwhile (see migration 0012).
 */
export async function createUser(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  body: unknown,
  tolerance: Tolerance,
): Promise<UserResult> {
  const { resource } = toCanonicalResource(body, model.schemas.user, 'create', tolerance);
  const id = newUuidV7();
  const events = userEvents(undefined, { id, resource }, model.mapping);
  const row = await store.insertUserGuarded(
    pool,
    scope,
    id,
    resource,
    sharedDirectory(scope, model.version),
    (user) => queueEvents(scope, events, user),
  );
  if (row) {
    await sequenceEvents(pool, scope);
    return { row, groups: [] };
  }
  // The model moved since `model` was loaded: the transactional path re-reads it under the directory lock.
  return transaction(pool, (tx) => insertUserIn(tx, scope, model, resource));
}

/** {@link createUser} inside a transaction the caller owns (a bulk cycle, RFC 7644 §3.7.1). */
export async function createUserIn(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  body: unknown,
  tolerance: Tolerance,
): Promise<UserResult> {
  const { resource } = toCanonicalResource(body, model.schemas.user, 'create', tolerance);
  return insertUserIn(tx, scope, model, resource);
}

async function insertUserIn(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  resource: Record<string, unknown>,
): Promise<UserResult> {
  const row = await store.insertUser(tx, scope, newUuidV7(), resource);
  await appendUserEvents(tx, scope, model, (mapping) => userEvents(undefined, row, mapping));
  return { row, groups: [] };
}

/**
 * Creates many users in one transaction with set-based SQL (bulk, RFC 7644 §3.7). The outcome of each body is
 * what {@link createUser} would give if the bodies were POSTed one after another: the user, or the `ScimError`
 * (400 for an invalid body, 409 `uniqueness` for a userName taken by a stored user or an earlier body). With
 * `stopAfterErrors`, the run stops at that error, as sequential POSTs would have: bodies after it are not created
 * and get no outcome, so the result may be shorter than `bodies`.
 */
export async function createUsers(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  bodies: readonly unknown[],
  tolerance: Tolerance,
  stopAfterErrors = Infinity,
): Promise<(UserResult | ScimError)[]> {
  const outcomes: (UserResult | ScimError | undefined)[] = [];
  const candidates: { index: number; id: string; resource: Record<string, unknown> }[] = [];
  let errors = 0;
  for (const [index, body] of bodies.entries()) {
    if (errors >= stopAfterErrors) break;
    try {
      const { resource } = toCanonicalResource(body, model.schemas.user, 'create', tolerance);
      candidates.push({ index, id: newUuidV7(), resource });
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      outcomes[index] = error;
      errors++;
    }
  }
  return transaction(pool, async (tx) => {
    const inserted = new Map((await store.insertUsers(tx, scope, candidates)).map((row) => [row.id, row]));
    const unique = uniqueAttributesOf(model);
    for (const c of candidates) {
      const row = inserted.get(c.id);
      outcomes[c.index] = row
        ? { row, groups: [] }
        : ScimError.uniqueness(
            unique.length === 0
              ? `userName "${String(c.resource.userName)}" is already taken in this directory`
              : `userName "${String(c.resource.userName)}" or a value of ${unique.join(', ')} is already taken in this directory`,
          );
    }
    // Where sequential POSTs would have stopped; users inserted after that point are taken back before commit.
    const stop = stopIndex(outcomes, stopAfterErrors);
    const beyond = candidates.filter((c) => c.index > stop && inserted.has(c.id));
    for (const c of beyond) await store.deleteUser(tx, scope, c.id);
    const kept = outcomes.slice(0, stop + 1).filter((o) => o !== undefined);
    // One `user.created` per user kept, in request order, committed with the rows.
    await appendUserEvents(tx, scope, model, (mapping) =>
      kept.flatMap((o) => (o instanceof ScimError ? [] : userEvents(undefined, o.row, mapping))),
    );
    return kept;
  });
}

/** The position of the error that exhausts `allowed`, or the last position when none does. */
function stopIndex(outcomes: readonly (UserResult | ScimError | undefined)[], allowed: number): number {
  let errors = 0;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome instanceof ScimError && ++errors >= allowed) return index;
  }
  return outcomes.length - 1;
}

export async function getUser(
  pool: Pool,
  scope: DirectoryScope,
  id: string,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  const found = await batchersOf(pool).byId.load(scope, id.toLowerCase());
  if (!found) return undefined;
  return { row: withoutLookupColumns(found), groups: found.groups.map(toGroupRef) };
}

type UserWithGroups = store.UserRow & { groups: UserGroupRow[] };

/** Per pool, the batchers of the two reads IdPs repeat most: a user by id, and by userName (`LookupBatcher`). */
const batchers = new WeakMap<
  Pool,
  {
    byId: LookupBatcher<UserWithGroups>;
    byUserName: LookupBatcher<UserWithGroups & { user_name_key: string }>;
  }
>();
function batchersOf(pool: Pool) {
  let found = batchers.get(pool);
  if (!found) {
    found = {
      byId: new LookupBatcher(pool, store.selectUsersWithGroups, (row) => row.id),
      byUserName: new LookupBatcher(pool, store.selectUsersByUserNames, (row) => row.user_name_key),
    };
    batchers.set(pool, found);
  }
  return found;
}

/**
 * The userName of a list page that is exactly an IdP's existence check: `userName eq "<string>"`, first index
 * page, no sort. userName is unique per directory, so its page is that user or nothing.
 */
function userNameLookup(q: ListQuery, lookup: KeyLookup | undefined): string | undefined {
  if (lookup?.path !== 'userName' || typeof lookup.value !== 'string') return undefined;
  return q.cursor === undefined && q.startIndex === 1 && q.count >= 1 ? lookup.value : undefined;
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
  model: DirectoryModel,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  tolerance: Tolerance,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  return transaction(pool, (tx) => replaceUserIn(tx, scope, model, id, body, ifMatch, tolerance));
}

/** {@link replaceUser} inside a transaction the caller owns. */
export async function replaceUserIn(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  tolerance: Tolerance,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  const { resource } = toCanonicalResource(body, model.schemas.user, 'replace', tolerance);
  return writeUser(tx, scope, model, id, ifMatch, (current) => {
    assertImmutableUnchanged(current, resource, model.schemas.user);
    return resource;
  });
}

/**
 * PATCH (RFC 7644 §3.5.2): all operations apply, or none. `withGroups: false` (an answer without the user, such as
 * Entra's 204) skips reading the user's groups, which for a user in hundreds of groups is most of the write.
 */
export async function patchUser(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  id: string,
  body: unknown,
  ifMatch: string | undefined,
  tolerance: Tolerance,
  withGroups = true,
): Promise<UserResult | undefined> {
  if (!isUuid(id)) return undefined;
  const operations = parsePatchRequest(body, tolerance);
  return transaction(pool, (tx) =>
    writeUser(
      tx,
      scope,
      model,
      id,
      ifMatch,
      (current) => applyPatch(current, operations, model.schemas.user, tolerance).resource,
      withGroups,
    ),
  );
}

export async function deleteUser(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  id: string,
  ifMatch: string | undefined,
): Promise<boolean> {
  if (!isUuid(id)) return false;
  return transaction(pool, async (tx) => {
    const current = await store.selectUser(tx, scope, id, { forUpdate: true });
    if (!current) return false;
    checkIfMatch(ifMatch, current.version);
    // The removals a deletion implies come first, then the deletion (ARCHITECTURE.md, events).
    const removed = await deleteMembershipsOfUser(tx, scope, id);
    await store.deleteUser(tx, scope, id);
    await appendUserEvents(tx, scope, model, (mapping) => [
      ...memberEvents(removed.map((m) => ({ change: 'removed' as const, ...m }))),
      ...userEvents(current, undefined, mapping),
    ]);
    return true;
  });
}

export interface UserPage<T = UserResult> {
  readonly results: readonly T[];
  readonly totalResults: number;
  readonly nextCursor?: string;
  readonly previousCursor?: string;
}

/** A listed user whose resource is its stored JSON text (see {@link listUserJsons}). */
export interface UserJsonResult {
  readonly row: store.UserJsonRow;
  readonly groups: readonly GroupRef[];
}

/** `withGroups: false` skips the membership walk when the response will not show `groups`. */
export function listUsers(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  q: ListQuery,
  withGroups = true,
): Promise<UserPage> {
  return listPage(pool, scope, model, q, withGroups, store.selectUsers);
}

/**
 * {@link listUsers} with each page row's resource as the stored JSON text, for responses that copy it unchanged;
 * the result of a `userName eq` lookup (shared with GET by id) comes parsed.
 */
export function listUserJsons(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  q: ListQuery,
  withGroups: boolean,
): Promise<UserPage<UserResult | UserJsonResult>> {
  return listPage(pool, scope, model, q, withGroups, store.selectUserJsons);
}

async function listPage<R extends { id: string }>(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  q: ListQuery,
  withGroups: boolean,
  select: (
    db: Pool,
    scope: DirectoryScope,
    page: ListPlan,
    withGroups: boolean,
    total?: Query,
  ) => Promise<store.UserPageRows<R>>,
): Promise<UserPage<UserResult | { row: R; groups: readonly GroupRef[] }>> {
  const filter = listFilter(q);
  const userName = userNameLookup(q, keyLookupIn(q, filter, model.users));
  if (userName !== undefined) {
    const found = await batchersOf(pool).byUserName.load(scope, userName);
    const results = found ? [{ row: withoutLookupColumns(found), groups: found.groups.map(toGroupRef) }] : [];
    return { results, totalResults: results.length };
  }
  const plan = planList(q, model.users, undefined, filter);
  const keyset = decodeCursor(q);
  // Unfiltered (every page of an IdP's import): the directory's maintained count, not a count of its rows.
  const total = q.filter ? store.userCount(scope, plan.where) : resourceCount(scope, 'User');
  const count = async () => Number((await queryOne<{ n: string | number }>(pool, total))?.n ?? 0);
  if (q.count === 0) return { results: [], totalResults: await count() };
  // The page statement also counts unless the total is known already (a cursor carries it) or is not needed
  // (a key lookup finds at most one user, so its page is never full).
  const countsToo = keyset?.total === undefined && plan.keyLookup === undefined;
  const read = keyset ? planList(q, model.users, keyset, filter) : plan;
  const { page, fetched } = await readingCursor(keyset, async () => {
    const first = await select(pool, scope, read, withGroups, countsToo ? total : undefined);
    const rows = await withNextSegment(
      read,
      first.rows,
      async (next) => (await select(pool, scope, next, withGroups)).rows,
    );
    return { page: first, fetched: rows };
  });
  const totalResults = await pageTotal(q, plan, keyset, fetched.length, async () => page.total ?? count());
  const { rows, ...cursors } = cursorPage(fetched, q, keyset, totalResults);
  // Users that share a list of groups (see selectPage) share its references too.
  const refs = new Map<readonly UserGroupRow[], GroupRef[]>();
  const refsOf = (groups: readonly UserGroupRow[]) => {
    let list = refs.get(groups);
    if (!list) refs.set(groups, (list = groups.map(toGroupRef)));
    return list;
  };
  return {
    // The row keeps its `groups` (renderers do not read it) rather than being copied without it.
    results: rows.map((row) => ({ row, groups: refsOf(row.groups) })),
    totalResults,
    ...cursors,
  };
}

/**
 * Locks the user, checks `If-Match`, writes `change(current)`, and reads the user's groups (unless `withGroups` is
 * false: then `groups` is empty), all in `tx`.
 */
async function writeUser(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  id: string,
  ifMatch: string | undefined,
  change: (current: Record<string, unknown>) => Record<string, unknown>,
  withGroups = true,
): Promise<UserResult | undefined> {
  const current = await store.selectUser(tx, scope, id, { forUpdate: true });
  if (!current) return undefined;
  checkIfMatch(ifMatch, current.version);
  const next = change(current.resource);
  // IdPs re-send full state every sync cycle: an unchanged resource keeps its version and ETag, and a change
  // that alters nothing normalized emits no event.
  const row = jsonEqual(current.resource, next) ? current : await store.updateUser(tx, scope, id, next);
  if (!row) return undefined;
  const groups = withGroups ? (await selectGroupsOfUser(tx, scope, id)).map(toGroupRef) : [];
  const result = { row, groups };
  // A changed resource locks the directory even when it changes nothing normalized under `model`: a mapping
  // change committed meanwhile may map what it changed.
  if (row !== current) {
    await appendUserEvents(tx, scope, model, (mapping) => userEvents(current, row, mapping));
  }
  return result;
}

/**
 * Appends a user write's events, computed under the directory's mapping as it stands once the directory row is
 * locked: a mapping change that committed after `model` was loaded is taken into account. The common case (the
 * model did not move) is one statement that locks, checks the version and appends; otherwise the write re-reads
 * the model under the lock (`lockCurrentModel`) and appends the events recomputed with it.
 */
async function appendUserEvents(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
  events: (mapping: AttributeMapping) => NewEvent[],
): Promise<void> {
  if (await appendEventsAt(tx, scope, events(model.mapping), model.version)) return;
  const current = await lockCurrentModel(tx, scope, model);
  await appendEvents(tx, scope, events(current.mapping));
}

/** The directory's User extension attributes with `uniqueness: server` (enforced by their unique indexes). */
function uniqueAttributesOf(model: DirectoryModel): string[] {
  return model.schemas.custom
    .filter((c) => c.resourceType === 'User')
    .flatMap((c) => uniqueAttributes(c).map((a) => `${c.definition.id}:${a.name}`));
}

/** A stored user row without what a lookup query added to it. */
function withoutLookupColumns(found: UserWithGroups): store.UserRow {
  return {
    id: found.id,
    resource: found.resource,
    app_attributes: found.app_attributes,
    version: found.version,
    created_at: found.created_at,
    updated_at: found.updated_at,
  };
}
