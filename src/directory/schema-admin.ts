/**
 * Adding, changing and removing a directory's own schema extensions (issue 6). A change is one transaction with
 * its audit entry and the bump of the directory's model version (which makes every node reload the directory's
 * model). Expression indexes are built before that transaction and dropped after it, `concurrently`, so other
 * tenants keep writing while a large directory's index builds; a schema is only visible once its indexes exist.
 */
import { insertAuditEntry } from '../db/audit-store.js';
import { type CustomIndex, createCustomIndex, dropCustomIndex, indexesOf } from '../db/custom-indexes.js';
import type { PoolClient } from 'pg';
import { type Pool, transaction } from '../db/database.js';
import * as store from '../db/schema-store.js';
import type { StoredSchema } from '../db/schema-store.js';
import {
  type CustomSchema,
  MAX_CUSTOM_SCHEMAS,
  type SchemaDocument,
  SchemaDocumentError,
  directorySchemas,
  incompatibleChanges,
  toCustomSchema,
} from '../scim/custom-schemas.js';
import { ScimError } from '../scim/scim-error.js';
import type { DirectoryId } from '../shared/ids.js';
import { type Principal, Rejected, auditActor, requireScope } from '../tenants/principal.js';
import { mappingReferences } from './attribute-mapping.js';
import { lockModelForChange } from './directory-model.js';
import { type DirectoryScope, visibleScope } from './scope.js';

export async function listSchemas(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
): Promise<StoredSchema[] | undefined> {
  requireScope(actor, 'admin:read');
  const scope = await visibleScope(pool, actor, directoryId);
  return scope && store.selectSchemas(pool, scope);
}

export async function getSchema(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  urn: string,
): Promise<StoredSchema | undefined> {
  requireScope(actor, 'admin:read');
  const scope = await visibleScope(pool, actor, directoryId);
  return scope && store.selectSchema(pool, scope, urn);
}

export async function addSchema(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  document: SchemaDocument,
): Promise<StoredSchema | undefined> {
  requireScope(actor, 'admin:write');
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return undefined;
  const schema = checked(document);
  const existing = await store.selectSchemas(pool, scope);
  if (existing.length >= MAX_CUSTOM_SCHEMAS) {
    throw new Rejected('conflict', `a directory can have at most ${MAX_CUSTOM_SCHEMAS} schema extensions`);
  }
  const urn = schema.definition.id;
  if (existing.some((s) => s.schema.definition.id.toLowerCase() === urn.toLowerCase())) {
    throw new Rejected('conflict', `this directory already has the schema ${urn}; PUT changes it`);
  }
  if (schema.required && (await store.anyResource(pool, scope, schema.resourceType, urn, 'without'))) {
    throw new Rejected(
      'conflict',
      `a required extension needs every stored ${schema.resourceType} to carry it, and some do not`,
    );
  }
  const indexes = indexesOf(scope, schema, directorySchemas([...existing.map((s) => s.schema), schema]));
  return withNewIndexes(pool, scope, indexes, async (tx) => {
    const stored = await store.insertSchema(tx, scope, schema);
    if (!stored) throw new Rejected('conflict', `this directory already has the schema ${urn}`);
    await store.bumpModelVersion(tx, scope);
    await audit(tx, actor, scope, 'schema.created', urn);
    return stored;
  });
}

/** Replaces a schema with a compatible version of itself (see `incompatibleChanges`). */
export async function replaceSchema(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  urn: string,
  document: SchemaDocument,
): Promise<StoredSchema | undefined> {
  requireScope(actor, 'admin:write');
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return undefined;
  const existing = await store.selectSchemas(pool, scope);
  const current = existing.find((s) => s.schema.definition.id.toLowerCase() === urn.toLowerCase());
  if (!current) return undefined;
  if (document.id.trim().toLowerCase() !== urn.toLowerCase()) {
    throw new Rejected('validation_failed', 'the document id must be the URN in the path');
  }
  // The stored spelling of the URN stays: resources already carry it.
  const proposed = checked(document);
  const next = { ...proposed, definition: { ...proposed.definition, id: current.schema.definition.id } };
  const problems = incompatibleChanges(current.schema, next);
  if (problems.length > 0) {
    throw new Rejected(
      'conflict',
      `incompatible change (${problems.join('; ')}); add a new schema URN for a new shape`,
    );
  }
  const others = existing.filter((s) => s !== current).map((s) => s.schema);
  const before = indexesOf(scope, current.schema, directorySchemas([...others, current.schema]));
  const after = indexesOf(scope, next, directorySchemas([...others, next]));
  const added = after.filter((a) => !before.some((b) => b.name === a.name));
  const removed = before.filter((b) => !after.some((a) => a.name === b.name));
  const stored = await withNewIndexes(pool, scope, added, async (tx) => {
    const locked = await store.selectSchema(tx, scope, urn, { forUpdate: true });
    if (locked?.version !== current.version) {
      throw new Rejected('conflict', 'the schema changed meanwhile; read it again and retry');
    }
    const updated = await store.updateSchema(tx, scope, current.schema.definition.id, next);
    await store.bumpModelVersion(tx, scope);
    await audit(tx, actor, scope, 'schema.updated', current.schema.definition.id);
    return updated;
  });
  await dropIndexes(pool, removed);
  return stored;
}

/**
 * Removes a schema. While resources still carry values of it the answer is 409, unless `force`, which removes
 * those values in the same transaction (each resource's version moves, so its ETag does too).
 */
export async function removeSchema(
  pool: Pool,
  actor: Principal,
  directoryId: DirectoryId,
  urn: string,
  force: boolean,
): Promise<boolean> {
  requireScope(actor, 'admin:write');
  const scope = await visibleScope(pool, actor, directoryId);
  if (!scope) return false;
  const existing = await store.selectSchemas(pool, scope);
  const current = existing.find((s) => s.schema.definition.id.toLowerCase() === urn.toLowerCase());
  if (!current) return false;
  const { id } = current.schema.definition;
  const { resourceType } = current.schema;
  const indexes = indexesOf(scope, current.schema, directorySchemas(existing.map((s) => s.schema)));
  await transaction(pool, async (tx) => {
    if (!(await store.selectSchema(tx, scope, id, { forUpdate: true }))) return;
    // Under the directory lock a mapping change takes too, so no mapping can start using it meanwhile.
    const mapped = mappingReferences((await lockModelForChange(tx, scope)).mapping, id);
    if (mapped.length > 0) {
      throw new Rejected(
        'conflict',
        `the attribute mapping uses ${id} (${mapped.join(', ')}); change the mapping first`,
      );
    }
    let stripped = 0;
    if (await store.anyResource(tx, scope, resourceType, id, 'with')) {
      if (!force) {
        throw new Rejected(
          'conflict',
          `stored ${resourceType}s carry values of ${id}; DELETE with ?force=true removes them too`,
        );
      }
      stripped = await store.stripExtension(tx, scope, resourceType, id);
    }
    await store.deleteSchema(tx, scope, id);
    await store.bumpModelVersion(tx, scope);
    await audit(tx, actor, scope, 'schema.deleted', id, { valuesRemovedFrom: stripped });
  });
  await dropIndexes(pool, indexes);
  return true;
}

function checked(document: SchemaDocument): CustomSchema {
  try {
    return toCustomSchema(document);
  } catch (error) {
    if (error instanceof SchemaDocumentError) throw new Rejected('validation_failed', error.message);
    throw error;
  }
}

/**
 * Builds `indexes`, then runs `work` in a transaction; when either fails, the indexes built here are dropped
 * again, so a refused change leaves nothing behind.
 */
async function withNewIndexes<T>(
  pool: Pool,
  scope: DirectoryScope,
  indexes: readonly CustomIndex[],
  work: (tx: PoolClient) => Promise<T>,
): Promise<T> {
  await buildIndexes(pool, scope, indexes);
  try {
    return await transaction(pool, work);
  } catch (error) {
    await dropIndexes(pool, indexes);
    throw error;
  }
}

async function buildIndexes(
  pool: Pool,
  scope: DirectoryScope,
  indexes: readonly CustomIndex[],
): Promise<void> {
  const built: CustomIndex[] = [];
  try {
    for (const index of indexes) {
      await createCustomIndex(pool, scope, index);
      built.push(index);
    }
  } catch (error) {
    await dropIndexes(pool, built);
    if (error instanceof ScimError) throw new Rejected('conflict', error.detail);
    throw error;
  }
}

async function dropIndexes(pool: Pool, indexes: readonly CustomIndex[]): Promise<void> {
  for (const index of indexes) await dropCustomIndex(pool, index.name);
}

async function audit(
  tx: Parameters<typeof insertAuditEntry>[0],
  actor: Principal,
  scope: DirectoryScope,
  action: string,
  urn: string,
  details: Record<string, number> = {},
): Promise<void> {
  await insertAuditEntry(tx, {
    organizationId: scope.organizationId,
    ...auditActor(actor),
    action,
    targetType: 'directory',
    targetId: scope.directoryId,
    details: { schema: urn, ...details },
  });
}
