/**
 * Reading and replacing a directory's attribute mapping (docs/attribute-mapping.md). A new mapping changes what
 * every user's normalized `customAttributes` are without the identity provider sending anything, so replacing it
 * walks the directory's users in keyset batches and appends `user.updated` for each user whose normalized state
 * changed, in the transaction that stores the mapping. A dry run walks the same way and writes nothing.
 */
import { insertAuditEntry } from '../db/audit-store.js';
import { type Executor, type Pool, transaction } from '../db/database.js';
import { appendEvents } from '../db/event-store.js';
import { updateAttributeMapping } from '../db/organization-store.js';
import { bumpModelVersion } from '../db/schema-store.js';
import { selectUsersAfter } from '../db/user-store.js';
import { jsonEqual } from '../scim/attribute-values.js';
import { type NewEvent, userChangeEvents } from '../events/directory-events.js';
import type { DirectoryId } from '../shared/ids.js';
import { type Principal, Rejected, auditActor, requireScope } from '../tenants/principal.js';
import {
  type AttributeMapping,
  type AttributeOwner,
  type MappingEntry,
  checkAttributeMapping,
  mappingEntries,
} from './attribute-mapping.js';
import { loadDirectoryModel, lockModelForChange } from './directory-model.js';
import { type NormalizedUser, normalizeUser } from './normalized.js';
import { type DirectoryScope, visibleScope } from './scope.js';

export interface MappingInput {
  readonly name: string;
  readonly path: string;
  readonly owner?: AttributeOwner | undefined;
}

/** The mapped part of a normalized user, as a preview shows it. */
export interface MappedState {
  readonly customAttributes: NormalizedUser['customAttributes'];
  readonly idpAttributes: NormalizedUser['idpAttributes'];
}

export interface AffectedUser {
  readonly id: string;
  readonly userName: string;
  readonly before: MappedState;
  readonly after: MappedState;
}

export interface MappingChange {
  readonly mappings: MappingEntry[];
  /** Users whose normalized state the change alters (each gets one `user.updated`). */
  readonly affectedUsers: number;
  /** Dry runs only: the first affected users, in id order. */
  readonly sample?: AffectedUser[];
}

export const MAPPING_WALK_BATCH = 1000;
export const PREVIEW_SAMPLE_SIZE = 20;

/** The directory's mapping; `undefined` when the caller cannot see the directory. */
export async function getAttributeMapping(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
): Promise<MappingEntry[] | undefined> {
  requireScope(actor, 'admin:read');
  const scope = await visibleScope(pool, actor, directoryId);
  return scope && mappingEntries((await loadDirectoryModel(pool, scope)).mapping);
}

/**
 * Replaces the directory's mapping, or with `dryRun` only says what replacing it would do. Throws `Rejected`
 * (400) listing every invalid entry; `undefined` when the caller cannot see the directory.
 */
export async function replaceAttributeMapping(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  input: readonly MappingInput[],
  options: { dryRun: boolean },
): Promise<MappingChange | undefined> {
  requireScope(actor, 'admin:write');
  if (options.dryRun) {
    const scope = await visibleScope(pool, actor, directoryId);
    if (!scope) return undefined;
    const current = await loadDirectoryModel(pool, scope);
    const next = validMapping(input, current.schemas.user);
    const sample: AffectedUser[] = [];
    const affectedUsers = await walkUsers(pool, scope, current.mapping, next, (changes) => {
      for (const c of changes.slice(0, PREVIEW_SAMPLE_SIZE - sample.length)) sample.push(preview(c));
      return Promise.resolve();
    });
    return { mappings: mappingEntries(next), affectedUsers, sample };
  }
  return transaction(pool, async (tx) => {
    const scope = await visibleScope(tx, actor, directoryId);
    if (!scope) return undefined;
    // The directory lock comes first: it waits for every writer in flight (they share it while appending their
    // events) and holds new ones back; they re-read the model once they get it (lockCurrentModel).
    const current = await lockModelForChange(tx, scope);
    const next = validMapping(input, current.schemas.user);
    const mappings = mappingEntries(next);
    if (jsonEqual(mappingEntries(current.mapping), mappings)) return { mappings, affectedUsers: 0 };
    await bumpModelVersion(tx, scope);
    await updateAttributeMapping(tx, scope.organizationId, scope.directoryId, mappings);
    const affectedUsers = await walkUsers(tx, scope, current.mapping, next, (changes) =>
      appendEvents(tx, scope, changes.flatMap(eventsOf)),
    );
    // App values of names no longer app-owned stay stored (and ignored): clearing them would lock user rows
    // while holding the directory row, the reverse of the order SCIM writers lock them in (a deadlock).
    await insertAuditEntry(tx, {
      organizationId: scope.organizationId,
      ...auditActor(actor),
      action: 'directory.attribute_mapping_replaced',
      targetType: 'directory',
      targetId: scope.directoryId,
      details: { names: mappings.map((m) => m.name), affectedUsers },
    });
    return { mappings, affectedUsers };
  });
}

function validMapping(input: readonly MappingInput[], schemas: Parameters<typeof checkAttributeMapping>[1]) {
  const check = checkAttributeMapping(input, schemas);
  if (!check.ok)
    throw new Rejected('validation_failed', `invalid attribute mapping: ${check.problems.join('; ')}`);
  return check.mapping;
}

interface UserChange {
  readonly id: string;
  readonly was: NormalizedUser;
  readonly now: NormalizedUser;
}

/**
 * Walks the directory's users in id-ordered batches, normalizing each under both mappings, and hands each
 * batch's changed users to `onBatch`; returns how many changed.
 */
async function walkUsers(
  db: Executor,
  scope: DirectoryScope,
  before: AttributeMapping,
  after: AttributeMapping,
  onBatch: (changes: UserChange[]) => Promise<void>,
): Promise<number> {
  let affected = 0;
  let afterId: string | undefined;
  for (;;) {
    const rows = await selectUsersAfter(db, scope, afterId, MAPPING_WALK_BATCH);
    const changes: UserChange[] = [];
    for (const row of rows) {
      const was = normalizeUser(row.resource, before, row.app_attributes);
      const now = normalizeUser(row.resource, after, row.app_attributes);
      if (!jsonEqual(was, now)) changes.push({ id: row.id, was, now });
    }
    if (changes.length > 0) await onBatch(changes);
    affected += changes.length;
    if (rows.length < MAPPING_WALK_BATCH) return affected;
    afterId = rows.at(-1)!.id;
  }
}

const eventsOf = (c: UserChange): NewEvent[] => userChangeEvents(c.id, c.was, c.now);

const mapped = (u: NormalizedUser): MappedState => ({
  customAttributes: u.customAttributes,
  idpAttributes: u.idpAttributes,
});

const preview = (c: UserChange): AffectedUser => ({
  id: c.id,
  userName: c.now.userName,
  before: mapped(c.was),
  after: mapped(c.now),
});
