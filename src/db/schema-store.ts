/** Table functions for `directory_schemas` (migration 0009) and the directory's model version. */
import type { CustomSchema, ExtensibleResourceType } from '../scim/custom-schemas.js';
import type { SchemaDefinition } from '../scim/schema-model.js';
import type { DirectoryScope } from '../directory/scope.js';
import { type Executor, query, queryOne, sql } from './database.js';
import { directoryForChange } from './organization-store.js';

export interface StoredSchema {
  readonly schema: CustomSchema;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

interface SchemaRow {
  urn: string;
  resource_type: ExtensibleResourceType;
  required: boolean;
  document: Omit<SchemaDefinition, 'id'>;
  indexed: string[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toStored = (row: SchemaRow): StoredSchema => ({
  schema: {
    definition: { id: row.urn, ...row.document },
    resourceType: row.resource_type,
    required: row.required,
    indexed: row.indexed,
  },
  version: row.version,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const documentOf = ({ definition }: CustomSchema) => ({
  name: definition.name,
  description: definition.description,
  attributes: definition.attributes,
});

/** The directory's schemas in the order they were added. */
export async function selectSchemas(db: Executor, scope: DirectoryScope): Promise<StoredSchema[]> {
  const rows = await query<SchemaRow>(
    db,
    sql`select * from directory_schemas
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
        order by created_at, urn`,
  );
  return rows.map(toStored);
}

/** The schema with this URN (case-insensitively); `forUpdate` locks it. */
export async function selectSchema(
  db: Executor,
  scope: DirectoryScope,
  urn: string,
  options: { forUpdate?: boolean } = {},
): Promise<StoredSchema | undefined> {
  const row = await queryOne<SchemaRow>(
    db,
    sql`select * from directory_schemas
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
          and lower(urn) = lower(${urn})
        ${options.forUpdate ? sql`for update` : sql``}`,
  );
  return row && toStored(row);
}

/** Inserts a schema; `undefined` when the directory already has one with this URN. */
export async function insertSchema(
  db: Executor,
  scope: DirectoryScope,
  schema: CustomSchema,
): Promise<StoredSchema | undefined> {
  const row = await queryOne<SchemaRow>(
    db,
    sql`insert into directory_schemas
          (organization_id, directory_id, urn, resource_type, required, document, indexed)
        values (${scope.organizationId}, ${scope.directoryId}, ${schema.definition.id}, ${schema.resourceType},
                ${schema.required}, ${JSON.stringify(documentOf(schema))}::jsonb, ${schema.indexed})
        on conflict do nothing
        returning *`,
  );
  return row && toStored(row);
}

export async function updateSchema(
  db: Executor,
  scope: DirectoryScope,
  urn: string,
  schema: CustomSchema,
): Promise<StoredSchema> {
  const row = await queryOne<SchemaRow>(
    db,
    sql`update directory_schemas
        set required = ${schema.required}, document = ${JSON.stringify(documentOf(schema))}::jsonb,
            indexed = ${schema.indexed}, version = version + 1, updated_at = now()
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
          and urn = ${urn}
        returning *`,
  );
  return toStored(row!);
}

export async function deleteSchema(db: Executor, scope: DirectoryScope, urn: string): Promise<void> {
  await query(
    db,
    sql`delete from directory_schemas
        where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
          and urn = ${urn}`,
  );
}

/**
 * Locks the directory row FOR UPDATE (against its writers, see `lockDirectoryForChange`) and bumps its model
 * version, which every node's cached model is keyed by (the 0009 trigger tells the other nodes), in one
 * statement. `undefined` when the directory does not exist.
 */
export async function bumpModelVersion(db: Executor, scope: DirectoryScope): Promise<number | undefined> {
  const row = await queryOne<{ model_version: number }>(
    db,
    sql`with locked as (${directoryForChange(scope)})
        update directories d set model_version = d.model_version + 1, updated_at = now()
        from locked where d.organization_id = locked.organization_id and d.id = locked.id
        returning d.model_version`,
  );
  return row?.model_version;
}

const RESOURCE_TABLE = { User: sql`scim_users`, Group: sql`scim_groups` } as const;

/** Whether some resource of the type carries (`with`) or lacks (`without`) the extension `urn`. */
export async function anyResource(
  db: Executor,
  scope: DirectoryScope,
  resourceType: ExtensibleResourceType,
  urn: string,
  carrying: 'with' | 'without',
): Promise<boolean> {
  const has = sql`r.resource ? ${urn}`;
  const row = await queryOne<{ found: boolean }>(
    db,
    sql`select exists (
          select 1 from ${RESOURCE_TABLE[resourceType]} r
          where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
            and ${carrying === 'with' ? has : sql`not (${has})`}
        ) as found`,
  );
  return row?.found ?? false;
}

/** Removes the extension's values from every resource of the directory (a forced schema deletion). */
export async function stripExtension(
  db: Executor,
  scope: DirectoryScope,
  resourceType: ExtensibleResourceType,
  urn: string,
): Promise<number> {
  const rows = await query<{ id: string }>(
    db,
    sql`update ${RESOURCE_TABLE[resourceType]} r
        set resource = jsonb_set(r.resource - ${urn}, '{schemas}',
              coalesce((select jsonb_agg(s) from jsonb_array_elements(r.resource -> 'schemas') s
                        where s #>> '{}' <> ${urn}), '[]'::jsonb)),
            version = r.version + 1, updated_at = now()
        where r.organization_id = ${scope.organizationId} and r.directory_id = ${scope.directoryId}
          and r.resource ? ${urn}
        returning r.id`,
  );
  return rows.length;
}
