/**
 * Where each SCIM attribute lives in the tables of migration 0002, as `Operand`s: hot columns of `r` (used so the
 * expression indexes apply), rows of a multi-valued attribute (`scim_user_emails e`, `scim_group_members m`),
 * or JSONB nodes of `r.resource` and of its arrays' elements.
 */
import type { ResolvedAttribute } from '../scim/attributes.js';
import type { AttributeDefinition } from '../scim/schema-model.js';
import { type Query as Sql, empty, join, sql } from './database.js';
import type { Failure, Operand } from './filter-sql-operands.js';

export type ResourceKind = 'User' | 'Group';

/** A text operand; `lowerIndexed` for a hot column with an index on `(lower(column) collate "C", id)`. */
const text = (expr: Sql, definition: AttributeDefinition, lowerIndexed = false): Operand => ({
  kind: 'text',
  expr,
  caseExact: definition.caseExact,
  ...(lowerIndexed ? { lowerIndexed } : {}),
});

/** A hot text column with an index on `(lower(column) collate "C", id)` (migration 0022). */
const lowerIndexed = (expr: Sql, definition: AttributeDefinition): Operand => text(expr, definition, true);

type HotColumn = (definition: AttributeDefinition, kind: ResourceKind) => Operand;

const COMMON_HOT: Record<string, HotColumn> = {
  id: () => ({ kind: 'uuid', expr: sql`r.id` }),
  externalId: (definition) => text(sql`r.external_id`, definition),
  displayName: (definition) => lowerIndexed(sql`r.display_name`, definition),
  'meta.created': () => ({ kind: 'timestamp', expr: sql`r.created_at` }),
  'meta.lastModified': () => ({ kind: 'timestamp', expr: sql`r.updated_at` }),
  'meta.resourceType': (definition, kind) => text(sql`${kind}::text`, definition),
};

/** Attributes stored as columns of `scim_users` / `scim_groups`, by canonical path (RFC 7643 §4.1, §4.2). */
const HOT: Record<ResourceKind, Record<string, HotColumn>> = {
  User: {
    ...COMMON_HOT,
    userName: (definition) => lowerIndexed(sql`r.user_name`, definition),
    'name.givenName': (definition) => lowerIndexed(sql`r.given_name`, definition),
    'name.familyName': (definition) => lowerIndexed(sql`r.family_name`, definition),
    active: () => ({ kind: 'boolean', expr: sql`r.active` }),
  },
  Group: COMMON_HOT,
};

/** `r.resource #>> '{name,formatted}'` as text, or `#>` as jsonb; `keys` is a `text[]` bind parameter. */
export const jsonText = (container: Sql, keys: readonly string[]): Sql =>
  keys.length === 1 ? sql`${container} ->> ${keys[0]}::text` : sql`${container} #>> ${keys}::text[]`;
export const jsonNode = (container: Sql, keys: readonly string[]): Sql =>
  keys.length === 1 ? sql`${container} -> ${keys[0]}::text` : sql`${container} #> ${keys}::text[]`;

/** A leaf attribute (not complex) stored in a JSON object `container` under `keys`. */
export function jsonOperand(
  container: Sql,
  keys: readonly string[],
  definition: AttributeDefinition,
): Operand {
  switch (definition.type) {
    case 'boolean':
      return { kind: 'jsonBoolean', expr: jsonNode(container, keys) };
    case 'integer':
    case 'decimal':
      return { kind: 'jsonNumber', expr: jsonNode(container, keys) };
    case 'dateTime':
      return { kind: 'timestamp', expr: sql`(${jsonText(container, keys)})::timestamptz` };
    default:
      return {
        kind: 'text',
        expr: jsonText(container, keys),
        caseExact: definition.caseExact,
        binary: definition.type === 'binary',
      };
  }
}

/** The keys of `resolved` in `r.resource`: extension attributes sit under their schema URN (RFC 7643 §3.3). */
export function resourceKeys(resolved: ResolvedAttribute): string[] {
  const keys = resolved.path.split('.');
  return resolved.extension ? [resolved.schema, ...keys] : keys;
}

/** A singular leaf attribute of the resource: its hot column, else its JSONB node. */
export function singularOperand(
  resolved: ResolvedAttribute,
  kind: ResourceKind,
  label: string,
  fail: Failure,
): Operand {
  const hot = resolved.extension ? undefined : HOT[kind][resolved.path];
  if (hot) return hot(resolved.definition, kind);
  // RFC 7643 §3.1: meta is not stored in the resource; location and version are computed when rendering.
  if (resolved.path.startsWith('meta.')) throw fail(`the attribute "${label}" cannot be used here`);
  return jsonOperand(sql`r.resource`, resourceKeys(resolved), resolved.definition);
}

/**
 * The values of a multi-valued attribute as rows: `exists (select 1 from <from> where <where> and ...)` tests
 * one element, so every condition of a value filter holds for the same element (RFC 7644 §3.4.2.2).
 */
export interface ElementSource {
  readonly from: Sql;
  /** Correlates the elements with `r`; `undefined` when `from` already does. */
  readonly where: Sql | undefined;
  /** RFC 7644 §3.4.2.3: the primary value first, else the first value. */
  readonly order: Sql;
  operand(subAttribute: AttributeDefinition, label: string): Operand;
}

const EMAIL_COLUMNS: Record<string, (definition: AttributeDefinition) => Operand> = {
  value: (definition) => text(sql`e.value`, definition),
  type: (definition) => text(sql`e.type`, definition),
  primary: () => ({ kind: 'boolean', expr: sql`e.is_primary` }),
};

const unsupported = (fail: Failure, label: string) =>
  fail(`the attribute "${label}" cannot be used in a filter or sort`);

// User `emails` whose sub-attributes the rows hold: probes `scim_user_emails_value`.
const emailRows = (fail: Failure): ElementSource => ({
  from: sql`scim_user_emails e`,
  where: sql`e.organization_id = r.organization_id and e.directory_id = r.directory_id and e.user_id = r.id`,
  order: sql`e.is_primary desc, e.position`,
  operand(subAttribute, label) {
    const column = EMAIL_COLUMNS[subAttribute.name];
    if (!column) throw unsupported(fail, label);
    return column(subAttribute);
  },
});

// Group `members` (RFC 7643 §4.2); `display` is the label the client sent, `$ref` is computed when rendering.
const memberRows = (fail: Failure): ElementSource => ({
  from: sql`scim_group_members m`,
  where: sql`m.organization_id = r.organization_id and m.directory_id = r.directory_id and m.group_id = r.id`,
  order: sql`m.added_at, m.member_id`,
  operand(subAttribute, label) {
    if (subAttribute.name === 'value') return { kind: 'uuid', expr: sql`m.member_id` };
    if (subAttribute.name === 'type') return text(sql`m.member_type`, subAttribute);
    if (subAttribute.name === 'display') return text(sql`m.display`, subAttribute);
    throw unsupported(fail, label);
  },
});

// User `groups` (RFC 7643 §4.1.2), read-only and derived from memberships; only direct ones are stored.
const groupRows = (fail: Failure): ElementSource => ({
  from: sql`scim_group_members m join scim_groups g on g.organization_id = m.organization_id and g.directory_id = m.directory_id and g.id = m.group_id`,
  where: sql`m.organization_id = r.organization_id and m.directory_id = r.directory_id and m.member_id = r.id`,
  order: sql`m.added_at, m.group_id`,
  operand(subAttribute, label) {
    if (subAttribute.name === 'value') return { kind: 'uuid', expr: sql`m.group_id` };
    if (subAttribute.name === 'display') return text(sql`g.display_name`, subAttribute);
    if (subAttribute.name === 'type') return text(sql`${'direct'}::text`, subAttribute);
    throw unsupported(fail, label);
  },
});

// Any other multi-valued attribute: the elements of its JSONB array, numbered for "first value" order.
const jsonElements = (resolved: ResolvedAttribute): ElementSource => ({
  from: sql`jsonb_array_elements(coalesce(${jsonNode(sql`r.resource`, resourceKeys({ ...resolved, path: resolved.attribute.name }))}, '[]'::jsonb)) with ordinality as x(v, n)`,
  where: undefined,
  order: sql`coalesce(x.v -> 'primary' = 'true'::jsonb, false) desc, x.n`,
  // A multi-valued simple attribute (a custom `skills: ["a", "b"]`) compares each element itself.
  operand: (subAttribute) =>
    jsonOperand(sql`x.v`, subAttribute === resolved.attribute ? [] : [subAttribute.name], subAttribute),
});

/**
 * Where the elements of the multi-valued attribute of `resolved` are read from, given the sub-attributes the
 * filter or sort uses: `emails` come from their rows when those hold every sub-attribute used, else from JSONB.
 */
export function elementSource(
  resolved: ResolvedAttribute,
  kind: ResourceKind,
  subAttributes: readonly string[],
  fail: Failure,
): ElementSource {
  const name = resolved.extension ? undefined : resolved.attribute.name;
  if (kind === 'User' && name === 'emails' && subAttributes.every((sub) => sub in EMAIL_COLUMNS)) {
    return emailRows(fail);
  }
  if (kind === 'User' && name === 'groups') return groupRows(fail);
  if (kind === 'Group' && name === 'members') return memberRows(fail);
  return jsonElements(resolved);
}

/** `exists (...)` over the elements of `source` for which `condition` holds; every element when absent. */
export function existsElement(source: ElementSource, condition: Sql | undefined): Sql {
  const where = [source.where, condition].filter((part) => part !== undefined);
  const clause = where.length === 0 ? empty : sql` where ${join(where, ' and ')}`;
  return sql`exists (select 1 from ${source.from}${clause})`;
}

/** RFC 7644 §3.4.2.3: the primary (else first) element's `expr`, for `order by`. */
export function firstElement(source: ElementSource, expr: Sql): Sql {
  const where = source.where ? sql` where ${source.where}` : empty;
  return sql`(select ${expr} from ${source.from}${where} order by ${source.order} limit 1)`;
}
