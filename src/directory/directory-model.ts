/**
 * What one directory's resources are made of: its schemas (core, enterprise and its own extensions), the
 * tables the filter compiler resolves attribute names against, and its attribute mapping (what the normalized
 * user's `customAttributes` are made of). Every SCIM use case takes the model of the
 * directory it runs in; a node caches models by directory and model version (bumped with every schema change,
 * announced to the other nodes through the credential cache's NOTIFY), so a request costs no extra query.
 */
import type { ResourceTable } from '../db/filter-sql.js';
import type { Executor, Pool } from '../db/database.js';
import { sharedDirectory } from '../db/event-store.js';
import { lockDirectoryForChange } from '../db/organization-store.js';
import { selectSchemas } from '../db/schema-store.js';
import { prepared, queryOne, sql } from '../db/database.js';
import { type DirectorySchemas, directorySchemas } from '../scim/custom-schemas.js';
import type { CustomSchema } from '../scim/custom-schemas.js';
import type { DirectoryScope } from './scope.js';
import { type AttributeMapping, type MappingEntry, resolveAttributeMapping } from './attribute-mapping.js';

export interface DirectoryModel {
  readonly version: number;
  readonly schemas: DirectorySchemas;
  readonly users: ResourceTable;
  readonly groups: ResourceTable;
  /** The attribute mapping, resolved against `schemas.user`. */
  readonly mapping: AttributeMapping;
}

export function directoryModel(
  version: number,
  custom: readonly CustomSchema[],
  mapping: readonly MappingEntry[] = [],
): DirectoryModel {
  const schemas = directorySchemas(custom);
  return Object.freeze({
    version,
    schemas,
    users: Object.freeze({ schemas: schemas.user, kind: 'User' as const }),
    groups: Object.freeze({ schemas: schemas.group, kind: 'Group' as const }),
    mapping: Object.freeze(resolveAttributeMapping(mapping, schemas.user)),
  });
}

/** A directory that never declared a schema of its own. */
export const CORE_MODEL: DirectoryModel = directoryModel(0, []);

/** The directory's current model, read from the database (inside a transaction when `db` is one). */
export async function loadDirectoryModel(db: Executor, scope: DirectoryScope): Promise<DirectoryModel> {
  const row = await queryOne<{ model_version: number; attribute_mapping: MappingEntry[] }>(
    db,
    sql`select model_version, attribute_mapping from directories
        where organization_id = ${scope.organizationId} and id = ${scope.directoryId}`,
  );
  const version = row?.model_version ?? 0;
  if (version === 0) return CORE_MODEL;
  return directoryModel(
    version,
    (await selectSchemas(db, scope)).map((s) => s.schema),
    row?.attribute_mapping ?? [],
  );
}

/**
 * For a write about to append its events: shares the directory's lock (as `appendEvents` does, which writers
 * share with each other and a model change's {@link lockModelForChange} waits for) and returns the model
 * current under that lock, `model` itself when it still is. A write computes its events from the returned
 * model, so a mapping change that committed after the write's model was loaded cannot leave events computed with
 * the old mapping.
 */
export async function lockCurrentModel(
  tx: Executor,
  scope: DirectoryScope,
  model: DirectoryModel,
): Promise<DirectoryModel> {
  const row = await queryOne<{ model_version: number }>(tx, prepared(sharedDirectory(scope)));
  return row?.model_version === model.version ? model : loadDirectoryModel(tx, scope);
}

/**
 * For a model change (schema, mapping): locks the directory for the change (`lockDirectoryForChange`), which
 * waits for the writers in flight (they share its lock until they commit) and holds new ones back until this
 * change commits, and returns the model current under it.
 */
export async function lockModelForChange(tx: Executor, scope: DirectoryScope): Promise<DirectoryModel> {
  await lockDirectoryForChange(tx, scope);
  return loadDirectoryModel(tx, scope);
}

/**
 * Per-node cache of directory models. `version` is what the caller knows (from its authenticated principal): a
 * cached model at least that new is served; an older one is replaced. Bounded: the least recently loaded
 * directories are forgotten first.
 */
export class DirectoryModels {
  private readonly cache = new Map<string, DirectoryModel>();
  private readonly loading = new Map<string, Promise<DirectoryModel>>();

  constructor(
    private readonly pool: Pool,
    private readonly capacity = 10_000,
  ) {}

  async get(scope: DirectoryScope, version: number): Promise<DirectoryModel> {
    if (version === 0) return CORE_MODEL;
    const cached = this.cache.get(scope.directoryId);
    if (cached && cached.version >= version) return cached;
    let pending = this.loading.get(scope.directoryId);
    if (!pending) {
      pending = loadDirectoryModel(this.pool, scope).finally(() => this.loading.delete(scope.directoryId));
      this.loading.set(scope.directoryId, pending);
    }
    const model = await pending;
    this.remember(scope.directoryId, model);
    return model;
  }

  private remember(directoryId: string, model: DirectoryModel): void {
    const cached = this.cache.get(directoryId);
    if (cached && cached.version > model.version) return;
    this.cache.delete(directoryId);
    this.cache.set(directoryId, model);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
  }
}
