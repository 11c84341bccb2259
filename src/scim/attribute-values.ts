/**
 * One normalizer for attribute values, shared by POST/PUT bodies (`resource.ts`) and PATCH (`patch.ts`), so
 * that both accept the same odd shapes IdPs send and produce the same canonical form:
 *
 * - names are case-insensitive (RFC 7643 §2.1) and come out in their canonical spelling;
 * - `null` (RFC 7643 §2.5) and `""` (IDP-QUIRKS §11.6) mean "not set", so they normalize to `undefined`;
 * - booleans may arrive as the strings "True"/"false" (IDP-QUIRKS §1 item 2);
 * - a single value for a multi-valued attribute is wrapped in an array (IDP-QUIRKS §10: `emails` as an object);
 * - a complex value with a `value` sub-attribute may arrive as a bare string, and a singular complex value as a
 *   one-element array (IDP-QUIRKS §1 item 6: Entra's `manager`);
 * - readOnly sub-attributes (`members[].display`, `manager.displayName`) are dropped; unknown ones are kept as
 *   sent or refused, as the directory's unknown-attribute policy says, and reported either way.
 *
 * Each departure from RFC 7643 is a named normalization (normalizations.ts) that the directory's provider
 * profile must allow; applying one is counted.
 */
import { findAttribute } from './attributes.js';
import { PERMISSIVE, type Tolerance, tolerate } from './normalizations.js';
import type { AttributeDefinition } from './schema-model.js';
import { ScimError } from './scim-error.js';

/** What normalization runs under: the directory's tolerance, and the unknown attributes it met. */
export interface NormalizeContext {
  /** Paths of unknown attributes met (kept or refused per the policy), e.g. `custom`, `emails[0].foo`. */
  readonly ignored: string[];
  readonly tolerance: Tolerance;
}

/** A context for callers without a directory (unit tests, fixtures): everything allowed, nothing counted. */
export const permissiveContext = (): NormalizeContext => ({ ignored: [], tolerance: PERMISSIVE });

/**
 * An attribute the schemas do not define: reported, then kept (`lenient`) or refused (`strict`, RFC 7644 §3.12
 * invalidSyntax naming it). Returns whether to store `value`: a lenient directory keeps what was sent, except
 * `null` and `""`, which mean "not set" here as everywhere (IDP-QUIRKS §11.6; OneLogin's unmapped `managerId`).
 */
export function unknownAttribute(context: NormalizeContext, path: string, value: unknown): boolean {
  context.ignored.push(path);
  context.tolerance.ignored(path);
  if (context.tolerance.unknownAttributes === 'strict') {
    throw ScimError.invalidSyntax(
      `unknown attribute "${path}" (this directory accepts only defined attributes)`,
    );
  }
  return value !== null && value !== undefined && value !== '';
}

/** JSON keys that must never become object members (they would reach the prototype). */
export const isSafeKey = (key: string): boolean =>
  key !== '__proto__' && key !== 'constructor' && key !== 'prototype';

export type JsonObject = Record<string, unknown>;

/** Whether `value` is a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A top-level attribute's value in canonical form, or `undefined` when it is unset (null, "", an empty list,
 * a complex value without sub-attributes). Throws `ScimError.invalidValue` naming `path` on a wrong type.
 */
export function normalizeAttributeValue(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  context: NormalizeContext,
): unknown {
  if (value === null || value === undefined) return undefined;
  if (!definition.multiValued) {
    // IDP-QUIRKS §1 item 6: Entra's legacy `manager` form is a one-element array; take the first element.
    if (Array.isArray(value) && definition.type === 'complex') {
      if (!tolerate(context.tolerance, 'manager-shapes')) {
        throw ScimError.invalidValue(`${path} is single-valued, not a list`);
      }
      return normalizeElement(definition, value[0], path, context);
    }
    return normalizeElement(definition, value, path, context);
  }
  if (!Array.isArray(value) && !tolerate(context.tolerance, 'single-object-as-list')) {
    throw ScimError.invalidValue(`${path} is multi-valued: send a list`);
  }
  const list = Array.isArray(value) ? value : [value];
  const elements = list
    .map((element, index) => normalizeElement(definition, element, `${path}[${index}]`, context))
    .filter((element) => element !== undefined);
  return elements.length === 0 ? undefined : keepFirstPrimary(elements);
}

/** One value of `definition` (an element when it is multi-valued): a complex object or a scalar. */
export function normalizeElement(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  context: NormalizeContext,
): unknown {
  if (definition.type !== 'complex') return normalizeScalar(definition, value, path, context);
  if (value === null || value === undefined) return undefined;
  if (value === '' && unsetByEmptyString(context)) return undefined;
  const subAttributes = definition.subAttributes ?? [];
  if (
    typeof value === 'string' &&
    findAttribute(subAttributes, 'value') &&
    tolerate(context.tolerance, 'complex-as-string')
  ) {
    return { value };
  }
  if (!isJsonObject(value)) throw ScimError.invalidValue(`${path} must be a complex value (a JSON object)`);
  const element: JsonObject = {};
  for (const [key, raw] of Object.entries(value)) {
    const sub = findAttribute(subAttributes, key);
    if (!sub) {
      if (isSafeKey(key) && unknownAttribute(context, `${path}.${key}`, raw)) element[key] = raw;
      continue;
    }
    if (sub.mutability === 'readOnly') continue;
    const normalized = normalizeScalar(sub, raw, `${path}.${sub.name}`, context);
    if (normalized !== undefined) element[sub.name] = normalized;
  }
  return Object.keys(element).length === 0 ? undefined : element;
}

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A simple (non-complex) value per its RFC 7643 §2.3 data type, or `undefined` for null and "". */
export function normalizeScalar(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  context: NormalizeContext = permissiveContext(),
): unknown {
  if (value === null || value === undefined) return undefined;
  if (value === '' && unsetByEmptyString(context)) return undefined;
  const wrong = (expected: string) => ScimError.invalidValue(`${path} must be ${expected}`);
  switch (definition.type) {
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
      if ((text === 'true' || text === 'false') && tolerate(context.tolerance, 'string-booleans')) {
        return text === 'true';
      }
      throw wrong('a boolean');
    }
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      throw wrong('an integer');
    case 'decimal':
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw wrong('a number');
    case 'dateTime':
      if (typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
        return value;
      }
      throw wrong('an ISO 8601 date and time (RFC 7643 §2.3.5)');
    case 'complex':
      throw wrong('a simple value, not a complex one');
    case 'string':
      // Tolerance over RFC strictness (IDP-QUIRKS §1 item 15): templated IdPs send numeric ids as numbers.
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      return canonicalCase(definition, asString(value, wrong));
    default:
      return asString(value, wrong);
  }
}

// IDP-QUIRKS §11.6: "" is "not set" (Entra clears the manager with it; OneLogin renders unmapped fields so).
const unsetByEmptyString = (context: NormalizeContext): boolean =>
  tolerate(context.tolerance, 'empty-string-as-unset');

function asString(value: unknown, wrong: (expected: string) => ScimError): string {
  if (typeof value === 'string') return value;
  throw wrong('a string');
}

// `members[].type` is 'User' or 'Group' (RFC 7643 §4.2); stored in the canonical casing. Other canonical
// values (`emails[].type`) are stored as sent: RFC 7643 §2.3.1 makes canonical values a SHOULD, not a MUST.
function canonicalCase(definition: AttributeDefinition, value: string): string {
  if (definition.mutability !== 'immutable' || !definition.canonicalValues) return value;
  const canonical = definition.canonicalValues.find((known) => known.toLowerCase() === value.toLowerCase());
  if (canonical) return canonical;
  throw ScimError.invalidValue(`"${value}" is not one of ${definition.canonicalValues.join(', ')}`);
}

/** RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once"; the first one wins. */
export function keepFirstPrimary(elements: readonly unknown[]): unknown[] {
  let seen = false;
  return elements.map((element) => {
    if (!isJsonObject(element) || element.primary !== true) return element;
    if (!seen) {
      seen = true;
      return element;
    }
    return { ...element, primary: false };
  });
}

/**
 * In PATCH the value just written wins: when an element of `fresh` is primary, every other element loses its
 * `primary` flag (RFC 7643 §2.4). Elements of `fresh` must be members of `elements` (same object identity).
 */
export function preferPrimary(elements: readonly unknown[], fresh: ReadonlySet<unknown>): unknown[] {
  const winner = [...elements].reverse().find((e) => fresh.has(e) && isJsonObject(e) && e.primary === true);
  if (winner === undefined) return keepFirstPrimary(elements);
  return elements.map((element) =>
    element !== winner && isJsonObject(element) && element.primary === true
      ? { ...element, primary: false }
      : element,
  );
}

/** Structural equality of JSON values (key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && jsonEqual(a[key], b[key]));
}
