/**
 * Compiles a SCIM filter (RFC 7644 §3.4.2.2) into a SQL condition over the row `r` of `scim_users` or
 * `scim_groups`, and a `sortBy` attribute (RFC 7644 §3.4.2.3) into an `order by` expression. Filtering happens
 * in PostgreSQL, never in memory; every literal is a bind parameter. The caller scopes the query to its tenant:
 *
 *   sql`select ... from scim_users r
 *       where r.organization_id = ${org} and r.directory_id = ${dir} and (${compileFilter(filter, USER_TABLE)})
 *       order by ${compileSortKey(sortBy, USER_TABLE)} asc, r.id`
 *
 * Hot attributes compile to the columns (and `lower(...)` expressions) that migration 0002 indexes, `emails` and
 * memberships to `exists` over their rows, everything else to JSONB paths of `r.resource`. Three-valued logic
 * never loses rows: `ne` is `is distinct from`, and `not (F)` is `not coalesce(F, false)`.
 */
import { findAttribute, resolveAttribute, type ResolvedAttribute } from '../scim/attributes.js';
import { GROUP_RESOURCE_SCHEMAS, USER_RESOURCE_SCHEMAS } from '../scim/core-schemas.js';
import type {
  CompareFilter,
  Filter,
  PresentFilter,
  ValueFilter,
  ValuePathFilter,
} from '../scim/filter/ast.js';
import { printAttributePath } from '../scim/filter/print.js';
import type { ResourceSchemas } from '../scim/schema-model.js';
import { ScimError } from '../scim/scim-error.js';
import { type Query as Sql, sql } from './database.js';
import {
  compare,
  type Failure,
  isPrefixRange,
  type Operand,
  present,
  sortExpression,
} from './filter-sql-operands.js';
import {
  elementSource,
  existsElement,
  firstElement,
  jsonNode,
  resourceKeys,
  type ResourceKind,
  singularOperand,
} from './filter-sql-sources.js';

export { escapeLike } from './filter-sql-operands.js';

/** A resource type's table, aliased `r` in the compiled SQL. */
export interface ResourceTable {
  /** `USER_RESOURCE_SCHEMAS` or `GROUP_RESOURCE_SCHEMAS`: what attribute names resolve against. */
  readonly schemas: ResourceSchemas;
  readonly kind: ResourceKind;
}

export const USER_TABLE: ResourceTable = Object.freeze({ schemas: USER_RESOURCE_SCHEMAS, kind: 'User' });
export const GROUP_TABLE: ResourceTable = Object.freeze({ schemas: GROUP_RESOURCE_SCHEMAS, kind: 'Group' });

// The parser already bounds nesting (DEFAULT_FILTER_LIMITS.maxDepth); this guards ASTs built by hand.
const MAX_DEPTH = 64;

type Term = CompareFilter | PresentFilter;

// How the terms of one nesting level compile: against `r`, or against one element of a value path.
interface Scope {
  readonly term: (term: Term) => Sql;
  readonly valuePath: (filter: ValuePathFilter, depth: number) => Sql;
}

/**
 * The SQL condition selecting the rows of `table` that match `filter`. Throws `ScimError.invalidFilter` (RFC 7644
 * §3.12) for an unknown attribute, or an operator or value the attribute's type does not support.
 */
export function compileFilter(filter: Filter, table: ResourceTable): Sql {
  const fail = ScimError.invalidFilter;
  const scope: Scope = {
    term: (term) => compileTerm(term, table, fail),
    valuePath: (valuePath, depth) => compileValuePath(valuePath, table, scope, depth),
  };
  return compileNode(filter, scope, 0);
}

/**
 * Whether `filter` is one `sw` on an attribute that compiles to an index range with parameter bounds
 * (`isPrefixRange`): then the best plan of its page is the same whatever the prefix, and the page may run as a
 * prepared statement. Call it on a filter that {@link compileFilter} accepted.
 */
export function isPrefixFilter(filter: Filter, table: ResourceTable): boolean {
  if (filter.kind !== 'compare' || filter.op !== 'sw') return false;
  const label = printAttributePath(filter.path);
  const resolved = resolveAttribute(table.schemas, label);
  if (!resolved || resolved.attribute.multiValued || resolved.definition.type === 'complex') return false;
  return isPrefixRange(singularOperand(resolved, table.kind, label, ScimError.invalidFilter), filter.value);
}

/**
 * The `order by` expression for `sortBy` (RFC 7644 §3.4.2.3): the attribute's value, `lower()`ed when it is not
 * case-exact; for a multi-valued attribute its primary value, else its first. Rows without a value sort last
 * ascending and first descending, which is PostgreSQL's default `nulls` order. The caller appends `, r.id`.
 * Throws `ScimError.invalidValue`: RFC 7644 defines no error for a bad `sortBy`, and it is not a filter.
 */
export function compileSortKey(sortBy: string, table: ResourceTable): Sql {
  const fail = ScimError.invalidValue;
  const label = sortBy.trim();
  const resolved = resolvePath(table, label, fail, 'sort');
  const leaf = toLeaf(resolved, label, fail);
  if (!resolved.attribute.multiValued) return sortExpression(singularOperand(leaf, table.kind, label, fail));
  const source = elementSource(resolved, table.kind, [leaf.definition.name], fail);
  return firstElement(source, sortExpression(source.operand(leaf.definition, label)));
}

function compileNode(node: Filter | ValueFilter, scope: Scope, depth: number): Sql {
  if (depth > MAX_DEPTH) throw tooDeep();
  switch (node.kind) {
    case 'logical': {
      const left = compileNode(node.left, scope, depth + 1);
      const right = compileNode(node.right, scope, depth + 1);
      return node.op === 'and' ? sql`(${left} and ${right})` : sql`(${left} or ${right})`;
    }
    case 'not':
      // An unknown (null) inner result is "no match", so its negation matches.
      return sql`not coalesce(${compileNode(node.filter, scope, depth + 1)}, false)`;
    case 'valuePath':
      return scope.valuePath(node, depth + 1);
    case 'compare':
    case 'present':
      return compileNullable(node, scope);
  }
}

// RFC 7644 §3.4.2.2 gives `null` no meaning of its own: `attr eq null` is read as "has no value" (`not pr`),
// `attr ne null` as "has a value" (`pr`). `present` never yields SQL null, so `not` needs no coalesce.
function compileNullable(term: Term, scope: Scope): Sql {
  if (term.kind === 'present' || term.value !== null) return scope.term(term);
  if (term.op !== 'eq' && term.op !== 'ne') {
    throw ScimError.invalidFilter(`operator "${term.op}" cannot compare with null`);
  }
  const isPresent = scope.term({ kind: 'present', path: term.path });
  return term.op === 'eq' ? sql`not (${isPresent})` : isPresent;
}

// `path op value` or `path pr` against `r`.
function compileTerm(term: Term, table: ResourceTable, fail: Failure): Sql {
  const label = printAttributePath(term.path);
  const resolved = resolvePath(table, label, fail, 'filter');
  const { attribute, definition } = resolved;
  const whole = definition === attribute;
  if (attribute.multiValued) {
    // RFC 7644 §3.4.2.2: `emails pr` holds when there is an element; `emails eq "x"` compares each element's
    // value (PingOne sends it), and `emails.type eq "work"` is true when some element's type matches.
    if (whole && term.kind === 'present') {
      return existsElement(elementSource(resolved, table.kind, [], fail), undefined);
    }
    const leaf = toLeaf(resolved, label, fail).definition;
    const source = elementSource(resolved, table.kind, [leaf.name], fail);
    return existsElement(source, termOn(source.operand(leaf, label), term, label, fail));
  }
  if (whole && attribute.type === 'complex' && term.kind === 'present') {
    // "If the attribute ... contains a non-empty node for complex attributes, there is a match."
    return complexPresent(jsonNode(sql`r.resource`, resourceKeys(resolved)));
  }
  const leaf = toLeaf(resolved, label, fail);
  return termOn(singularOperand(leaf, table.kind, label, fail), term, label, fail);
}

// `attr[valFilter]` (RFC 7644 §3.4.2.2): every condition inside holds for one and the same element.
function compileValuePath(node: ValuePathFilter, table: ResourceTable, outer: Scope, depth: number): Sql {
  const fail = ScimError.invalidFilter;
  const label = printAttributePath(node.path);
  const resolved = resolvePath(table, label, fail, 'filter');
  const { attribute } = resolved;
  if (attribute.type !== 'complex' || resolved.definition !== attribute) {
    throw fail(`the attribute "${label}" is not complex, so it cannot take a value filter`);
  }
  if (!attribute.multiValued) {
    // A singular complex attribute has one element: `name[givenName eq "x"]` is `name.givenName eq "x"`,
    // which also lets hot columns (`r.given_name`) serve it.
    const inner: Scope = {
      term: (term) => outer.term({ ...term, path: { ...node.path, subAttribute: term.path.name } }),
      valuePath: outer.valuePath,
    };
    return compileNode(node.filter, inner, depth);
  }
  const subAttributes = attribute.subAttributes ?? [];
  const used = termsOf(node.filter, depth).map(
    (term) => findAttribute(subAttributes, term.path.name)?.name ?? '',
  );
  const source = elementSource(resolved, table.kind, used, fail);
  const element: Scope = {
    term: (term) => {
      const subLabel = `${label}.${term.path.name}`;
      const sub = findAttribute(subAttributes, term.path.name);
      if (!sub) throw fail(`unknown attribute "${subLabel}"`);
      return termOn(source.operand(sub, subLabel), term, subLabel, fail);
    },
    valuePath: () => {
      throw fail('value filters cannot nest');
    },
  };
  return existsElement(source, compileNode(node.filter, element, depth));
}

function termOn(operand: Operand, term: Term, label: string, fail: Failure): Sql {
  return term.kind === 'present' ? present(operand) : compare(operand, term.op, term.value, label, fail);
}

// A JSON object with at least one non-empty member.
const complexPresent = (node: Sql): Sql =>
  sql`exists (select 1 from jsonb_each_text(case when jsonb_typeof(${node}) = 'object' then ${node} else '{}'::jsonb end) s where s.value <> '')`;

function resolvePath(
  table: ResourceTable,
  label: string,
  fail: Failure,
  use: 'filter' | 'sort',
): ResolvedAttribute {
  const resolved = resolveAttribute(table.schemas, label);
  if (!resolved) throw fail(`unknown attribute "${label}"`);
  // RFC 7643 §7: a `returned: never` attribute (password) must not be observable through filtering or order.
  if (resolved.definition.returned === 'never' || resolved.attribute.returned === 'never') {
    throw fail(`the attribute "${label}" cannot be used to ${use}`);
  }
  return resolved;
}

/**
 * The leaf a comparison or sort reads: the attribute itself, or for a complex attribute named without a
 * sub-attribute its `value` (RFC 7644 §3.4.2.2 for multi-valued attributes; Entra sends `manager eq "id"`).
 */
function toLeaf(resolved: ResolvedAttribute, label: string, fail: Failure): ResolvedAttribute {
  const { attribute, definition } = resolved;
  if (definition !== attribute || attribute.type !== 'complex') return resolved;
  const value = findAttribute(attribute.subAttributes ?? [], 'value');
  if (!value) throw fail(`the attribute "${label}" is complex: name one of its sub-attributes`);
  return { ...resolved, definition: value, path: `${attribute.name}.${value.name}` };
}

function termsOf(node: ValueFilter, depth: number): Term[] {
  if (depth > MAX_DEPTH) throw tooDeep();
  if (node.kind === 'logical') return [...termsOf(node.left, depth + 1), ...termsOf(node.right, depth + 1)];
  if (node.kind === 'not') return termsOf(node.filter, depth + 1);
  return [node];
}

const tooDeep = () => ScimError.invalidFilter(`filter nests deeper than ${MAX_DEPTH} levels`);
