/**
 * Expression indexes for one directory's custom schema attributes: one per attribute the directory marks
 * `indexed` (lookups and sorting), and a unique one per attribute with `uniqueness: server`. Each is partial on
 * its directory, so it holds only that directory's rows, and its expression is the very one the filter compiler
 * emits for the attribute (`lower(resource #>> '{urn,costCenter}')` for case-insensitive text), so `eq`,
 * ranges and `sortBy` on it are index scans. Built `concurrently`: other tenants keep writing meanwhile.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { resolveAttribute } from '../scim/attributes.js';
import { type CustomSchema, type DirectorySchemas, uniqueAttributes } from '../scim/custom-schemas.js';
import { ScimError } from '../scim/scim-error.js';
import type { DirectoryScope } from '../directory/scope.js';
import { type Pool, type Query, query, sql } from './database.js';
import { sortExpression } from './filter-sql-operands.js';
import { singularOperand } from './filter-sql-sources.js';
import { CUSTOM_INDEX_PREFIX, isUniqueViolation } from './pg-errors.js';

export interface CustomIndex {
  readonly name: string;
  readonly table: 'scim_users' | 'scim_groups';
  readonly unique: boolean;
  /** The attribute, for messages: `urn:...:User:costCenter`. */
  readonly attribute: string;
  /** The indexed expression, constants inlined. */
  readonly expression: string;
}

/** The indexes `schema` needs in the directory, given the directory's schemas with `schema` among them. */
export function indexesOf(
  scope: DirectoryScope,
  schema: CustomSchema,
  schemas: DirectorySchemas,
): CustomIndex[] {
  const kind = schema.resourceType;
  const resourceSchemas = kind === 'User' ? schemas.user : schemas.group;
  const wanted = [
    ...schema.indexed.map((path) => ({ path, unique: false })),
    ...uniqueAttributes(schema).map((a) => ({ path: a.name, unique: true })),
  ];
  return wanted.map(({ path, unique }) => {
    const attribute = `${schema.definition.id}:${path}`;
    const resolved = resolveAttribute(resourceSchemas, attribute);
    if (!resolved) throw new Error(`indexed attribute ${attribute} does not resolve`);
    const operand = singularOperand(resolved, kind, attribute, ScimError.invalidFilter);
    // Unique: the value as compared for equality. Lookup: the sort expression, which equality filters share
    // for text (`lower(...)` unless caseExact) and timestamps; numbers and booleans compare as jsonb.
    const expr =
      operand.kind === 'jsonNumber' || operand.kind === 'jsonBoolean'
        ? operand.expr
        : sortExpression(operand);
    const expression = inline(expr).replaceAll('r.resource', 'resource');
    const digest = createHash('sha256')
      .update(`${scope.directoryId}|${attribute.toLowerCase()}|${unique}|${expression}`)
      .digest('hex')
      .slice(0, 24);
    return {
      name: `${CUSTOM_INDEX_PREFIX}${digest}`,
      table: kind === 'User' ? 'scim_users' : 'scim_groups',
      unique,
      attribute,
      expression,
    };
  });
}

/**
 * Builds `index` unless it exists. A unique index over values that are already duplicated cannot be built:
 * the half-built index is dropped and the caller gets a `ScimError.uniqueness` naming the attribute.
 */
export async function createCustomIndex(
  pool: Pool,
  scope: DirectoryScope,
  index: CustomIndex,
): Promise<void> {
  // An expression column needs its own parentheses unless it is a bare function call.
  const columns = index.unique ? `((${index.expression}))` : `((${index.expression}), id)`;
  const ddl =
    `create ${index.unique ? 'unique ' : ''}index concurrently if not exists ${index.name} ` +
    `on ${index.table} ${columns} ` +
    `where organization_id = ${pg.escapeLiteral(scope.organizationId)} ` +
    `and directory_id = ${pg.escapeLiteral(scope.directoryId)}`;
  try {
    // A previous build that failed half-way leaves an invalid index that `if not exists` would keep.
    await dropInvalid(pool, index.name);
    await pool.query(ddl);
  } catch (error) {
    await dropCustomIndex(pool, index.name);
    if (isUniqueViolation(error)) {
      throw ScimError.uniqueness(`stored values of ${index.attribute} are not unique in this directory`);
    }
    throw error;
  }
}

export async function dropCustomIndex(pool: Pool, name: string): Promise<void> {
  if (!name.startsWith(CUSTOM_INDEX_PREFIX) || !/^[a-z0-9_]+$/.test(name))
    throw new Error('not a custom index');
  await pool.query(`drop index concurrently if exists ${name}`);
}

async function dropInvalid(pool: Pool, name: string): Promise<void> {
  const rows = await query<{ valid: boolean }>(
    pool,
    sql`select i.indisvalid as valid from pg_index i join pg_class c on c.oid = i.indexrelid
        where c.relname = ${name}`,
  );
  if (rows[0] && !rows[0].valid) await dropCustomIndex(pool, name);
}

// The SQL of `q` with its bind parameters written as literals: DDL takes no parameters. Only the filter
// compiler's own values reach here (schema URNs and attribute names, already validated), and each is quoted.
function inline(q: Query): string {
  return q.text.replace(/\$(\d+)/g, (_, n: string) => literal(q.values[Number(n) - 1]));
}

function literal(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map((v) => `"${String(v).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
    return pg.escapeLiteral(`{${items.join(',')}}`);
  }
  return pg.escapeLiteral(String(value));
}
