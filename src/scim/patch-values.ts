/**
 * The value an attribute has after one PATCH operation (RFC 7644 §3.5.2.1 add, §3.5.2.2 remove, §3.5.2.3
 * replace), for attributes stored in the resource JSON (not Group `members`). Pure: takes the current value
 * and returns the next one, `undefined` meaning unset.
 */
import type { JsonObject, NormalizeContext } from './attribute-values.js';
import {
  isJsonObject,
  jsonEqual,
  normalizeAttributeValue,
  normalizeElement,
  normalizeScalar,
  preferPrimary,
} from './attribute-values.js';
import type { PatchTarget } from './patch-target.js';
import type { AttributeDefinition } from './schema-model.js';
import { tolerate } from './normalizations.js';
import { ScimError } from './scim-error.js';
import { matchesValueFilter, seedOf } from './value-filter.js';

export type PatchOp = 'add' | 'replace' | 'remove';

/** A singular attribute's next value, `undefined` meaning unset. */
export function nextSingular(
  op: PatchOp,
  target: PatchTarget,
  current: unknown,
  value: unknown,
  context: NormalizeContext,
): unknown {
  const { attribute, filter, sub, text } = target;
  if (filter) {
    // Entra's `manager[value eq "id"]` (IDP-QUIRKS §1 item 6): the value is a list of at most one element.
    // A matching value is updated; an unmatched one is replaced by the value the filter describes.
    return nextList(op, target, current === undefined ? [] : [current], value, context)?.at(-1);
  }
  if (op === 'remove') return sub ? withoutSub(current, sub) : undefined;
  if (sub) return withSub(current, sub, normalizeScalar(sub, value, text, context));
  // IDP-QUIRKS §11.6: null and "" unset the attribute.
  const next = normalizeAttributeValue(attribute, value, text, context);
  // RFC 7644 §3.5.2.1 and §3.5.2.3: on a complex attribute, sub-attributes not in the value are left unchanged.
  // Except when the value names another resource: Entra replaces a `manager` set with `$ref` (Example 5) by a bare
  // id (IDP-QUIRKS §1 item 6), and the old `$ref` would then point at the previous manager.
  if (isJsonObject(next) && isJsonObject(current)) {
    return refersElsewhere(current, next) ? next : { ...current, ...next };
  }
  return next;
}

/** A multi-valued attribute's next list; `undefined` when it ends up empty. */
export function nextList(
  op: PatchOp,
  target: PatchTarget,
  current: unknown,
  value: unknown,
  context: NormalizeContext,
): unknown[] | undefined {
  const { attribute, filter, sub, text } = target;
  const list: unknown[] = Array.isArray(current) ? current : [];
  const fresh = new Set<unknown>();
  const mark = <T>(element: T): T => {
    fresh.add(element);
    return element;
  };
  const done = (next: unknown[]) => (next.length === 0 ? undefined : preferPrimary(next, fresh));

  if (!filter && !sub) {
    const values = (normalizeAttributeValue(attribute, value, text, context) ?? []) as unknown[];
    if (op === 'remove') {
      // RFC 7644 §3.5.2.2: no filter removes all values; but Entra and JumpCloud send the values to remove
      // in `value` (IDP-QUIRKS §1 item 4), which must remove only those.
      if (value === undefined || value === null) return undefined;
      if (!tolerate(context.tolerance, 'member-remove-value-list')) {
        throw ScimError.invalidValue(`${text}: remove takes no value; use a value filter in the path`);
      }
      return done(list.filter((element) => !values.some((gone) => contains(attribute, element, gone))));
    }
    if (op === 'replace') return done(values.map(mark));
    // RFC 7644 §3.5.2.1: add appends; an identical value is not added twice.
    const added = values.filter((element) => !list.some((existing) => jsonEqual(existing, element)));
    return done([...list, ...added.map(mark)]);
  }

  // A filter selects elements; a sub-attribute without a filter (`emails.value`) applies to every element.
  const matches = (element: unknown) => !filter || matchesValueFilter(filter, element, attribute);
  if (op === 'remove') {
    // IDP-QUIRKS §11.2: a stale removal re-sent by an IdP matches nothing; it changes nothing and succeeds.
    if (filter && !list.some(matches) && !tolerate(context.tolerance, 'remove-missing-target')) {
      throw ScimError.noTarget(`"${text}" matches no value`);
    }
    if (!sub) return done(list.filter((element) => !matches(element)));
    return done(list.map((e) => (matches(e) ? withoutSub(e, sub) : e)).filter((e) => e !== undefined));
  }
  const update = sub
    ? (element: unknown) => withSub(element, sub, normalizeScalar(sub, value, text, context))
    : (element: unknown) => {
        const next = oneElement(attribute, value, text, context);
        if (!isJsonObject(next)) return next;
        // RFC 7644 §3.5.2.3: "all matching record values SHALL be replaced"; add merges into them. A replaced
        // element keeps what the filter's `eq` terms say, so it still matches and replace stays idempotent.
        if (op === 'replace') return { ...next, ...(filter ? seedOf(filter, attribute) : undefined) };
        return isJsonObject(element) ? { ...element, ...next } : next;
      };
  if (list.some(matches)) {
    const next = list.map((element) => (matches(element) ? mark(update(element)) : element));
    return done(next.filter((element) => element !== undefined));
  }
  // IDP-QUIRKS §1 item 5: the RFC answers `noTarget` (RFC 7644 §3.5.2.3), but Entra's attribute mappings add
  // and replace `emails[type eq "work"].value` on users that have no work email yet: create the element.
  if (filter && !tolerate(context.tolerance, 'value-filter-creates')) {
    throw ScimError.noTarget(`"${text}" matches no value`);
  }
  const element = created(target, value, context);
  return done(element === undefined ? list : [...list, mark(element)]);
}

// The element an add/replace through an unmatched filter describes; `undefined` when the value unsets.
function created(target: PatchTarget, value: unknown, context: NormalizeContext): JsonObject | undefined {
  const { attribute, filter, sub, text } = target;
  const content = sub
    ? normalizeScalar(sub, value, text, context)
    : oneElement(attribute, value, text, context);
  if (content === undefined) return undefined;
  const seed = filter ? seedOf(filter, attribute) : {};
  if (!seed) throw ScimError.noTarget(`"${text}" matches no value, and its filter describes none to create`);
  return sub ? { ...seed, [sub.name]: content } : { ...(content as JsonObject), ...seed };
}

// One element of a complex attribute; a one-element array is unwrapped.
function oneElement(attribute: AttributeDefinition, value: unknown, path: string, context: NormalizeContext) {
  if (Array.isArray(value) && value.length > 1) {
    throw ScimError.invalidValue(`${path} takes a single value`);
  }
  const single: unknown = Array.isArray(value) ? value[0] : value;
  return normalizeElement({ ...attribute, multiValued: false }, single, path, context);
}

function withSub(element: unknown, sub: AttributeDefinition, value: unknown): JsonObject | undefined {
  const next: JsonObject = isJsonObject(element) ? { ...element } : {};
  if (value === undefined) delete next[sub.name];
  else next[sub.name] = value;
  return Object.keys(next).length === 0 ? undefined : next;
}

const withoutSub = (element: unknown, sub: AttributeDefinition) => withSub(element, sub, undefined);

// Whether a complex value's `value` (the id of the resource it refers to) changes.
const refersElsewhere = (current: JsonObject, next: JsonObject): boolean =>
  current.value !== undefined && next.value !== undefined && !jsonEqual(current.value, next.value);

// Whether `element` has every sub-attribute value `pattern` names (strings per `caseExact`).
function contains(attribute: AttributeDefinition, element: unknown, pattern: unknown): boolean {
  if (!isJsonObject(pattern) || !isJsonObject(element)) return jsonEqual(element, pattern);
  return Object.entries(pattern).every(([name, expected]) => {
    const actual = element[name];
    const caseExact = attribute.subAttributes?.find((sub) => sub.name === name)?.caseExact ?? true;
    return typeof actual === 'string' && typeof expected === 'string' && !caseExact
      ? actual.toLowerCase() === expected.toLowerCase()
      : jsonEqual(actual, expected);
  });
}
