/**
 * Evaluates a value filter (`emails[type eq "work"]`, RFC 7644 §3.4.2.2) against the elements of ONE resource's
 * attribute, in memory, for PATCH paths (RFC 7644 §3.5.2). Listing resources never comes here: the database
 * evaluates `?filter=`. String comparisons honour the sub-attribute's `caseExact` (RFC 7643 §2.2); comparison
 * values are coerced to the sub-attribute's type, so Entra's `roles[primary eq "True"]` matches `true`.
 */
import type { CompareFilter, CompareValue, ValueFilter } from './filter/ast.js';
import { isJsonObject, normalizeScalar } from './attribute-values.js';
import { findAttribute } from './attributes.js';
import type { AttributeDefinition } from './schema-model.js';
import { ScimError } from './scim-error.js';

/** Whether one value of `attribute` (a complex element, or a simple value seen as `{ value }`) matches. */
export function matchesValueFilter(
  filter: ValueFilter,
  element: unknown,
  attribute: AttributeDefinition,
): boolean {
  const object = isJsonObject(element) ? element : { value: element };
  switch (filter.kind) {
    case 'logical':
      return filter.op === 'and'
        ? matchesValueFilter(filter.left, object, attribute) &&
            matchesValueFilter(filter.right, object, attribute)
        : matchesValueFilter(filter.left, object, attribute) ||
            matchesValueFilter(filter.right, object, attribute);
    case 'not':
      return !matchesValueFilter(filter.filter, object, attribute);
    case 'present': {
      const value = object[subAttributeOf(attribute, filter.path.name).name];
      return value !== undefined && value !== null && value !== '';
    }
    case 'compare':
      return compare(filter, object, attribute);
  }
}

/**
 * The element a value filter describes, for IdPs that `add`/`replace` through a filter that matches nothing
 * (IDP-QUIRKS §1 item 5): the `eq` comparisons joined by `and`, e.g. `{ type: 'work' }`. `undefined` when
 * the filter uses anything else, since then no single element is described.
 */
export function seedOf(
  filter: ValueFilter,
  attribute: AttributeDefinition,
): Record<string, unknown> | undefined {
  if (filter.kind === 'logical' && filter.op === 'and') {
    const left = seedOf(filter.left, attribute);
    const right = seedOf(filter.right, attribute);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq' || filter.value === null) return undefined;
  const sub = subAttributeOf(attribute, filter.path.name);
  return { [sub.name]: coerce(sub, filter.value) };
}

/** Throws `ScimError.invalidPath` when the filter names a sub-attribute `attribute` does not have. */
export function assertValueFilter(filter: ValueFilter, attribute: AttributeDefinition): void {
  if (filter.kind === 'logical') {
    assertValueFilter(filter.left, attribute);
    assertValueFilter(filter.right, attribute);
  } else if (filter.kind === 'not') {
    assertValueFilter(filter.filter, attribute);
  } else {
    subAttributeOf(attribute, filter.path.name);
  }
}

function subAttributeOf(attribute: AttributeDefinition, name: string): AttributeDefinition {
  const sub =
    attribute.type === 'complex'
      ? findAttribute(attribute.subAttributes ?? [], name)
      : name.toLowerCase() === 'value'
        ? { ...attribute, name: 'value', multiValued: false }
        : undefined;
  if (!sub) throw ScimError.invalidPath(`${attribute.name} has no sub-attribute "${name}"`);
  return sub;
}

function coerce(sub: AttributeDefinition, value: CompareValue): unknown {
  try {
    return normalizeScalar(sub, value, sub.name) ?? value;
  } catch {
    return value;
  }
}

function compare(
  filter: CompareFilter,
  object: Record<string, unknown>,
  attribute: AttributeDefinition,
): boolean {
  const sub = subAttributeOf(attribute, filter.path.name);
  const actual = object[sub.name];
  const expected = coerce(sub, filter.value);
  if (filter.value === null) {
    // Not in the RFC; `eq null` reads naturally as "absent".
    const absent = actual === undefined || actual === null;
    if (filter.op === 'eq') return absent;
    if (filter.op === 'ne') return !absent;
  }
  if (filter.op === 'ne') return !equal(sub, actual, expected);
  if (filter.op === 'eq') return equal(sub, actual, expected);
  if (sub.type === 'boolean' || sub.type === 'binary') {
    // RFC 7644 §3.4.2.2: ordering and substring operators on booleans and binaries are errors.
    throw ScimError.invalidFilter(`"${filter.op}" cannot compare ${sub.type} ${attribute.name}.${sub.name}`);
  }
  if (typeof actual === 'string' && typeof expected === 'string') {
    if (sub.type === 'dateTime' && ['gt', 'ge', 'lt', 'le'].includes(filter.op)) {
      return ordered(filter.op, Date.parse(actual) - Date.parse(expected));
    }
    const a = sub.caseExact ? actual : actual.toLowerCase();
    const e = sub.caseExact ? expected : expected.toLowerCase();
    if (filter.op === 'co') return a.includes(e);
    if (filter.op === 'sw') return a.startsWith(e);
    if (filter.op === 'ew') return a.endsWith(e);
    return ordered(filter.op, a < e ? -1 : a > e ? 1 : 0);
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    return ordered(filter.op, actual - expected);
  }
  return false;
}

function equal(sub: AttributeDefinition, actual: unknown, expected: unknown): boolean {
  if (sub.type === 'dateTime' && typeof actual === 'string' && typeof expected === 'string') {
    return Date.parse(actual) === Date.parse(expected);
  }
  if (typeof actual === 'string' && typeof expected === 'string' && !sub.caseExact) {
    return actual.toLowerCase() === expected.toLowerCase();
  }
  return actual === expected;
}

function ordered(op: string, difference: number): boolean {
  if (Number.isNaN(difference)) return false;
  if (op === 'gt') return difference > 0;
  if (op === 'ge') return difference >= 0;
  if (op === 'lt') return difference < 0;
  if (op === 'le') return difference <= 0;
  return false;
}
