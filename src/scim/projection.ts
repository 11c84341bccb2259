/**
 * Which attributes a response carries: RFC 7644 §3.4.2.5 (`attributes`, `excludedAttributes`) applied on top
 * of each attribute's `returned` characteristic (RFC 7643 §2.4 and §7):
 *
 * - `always` is returned whatever the parameters say (`id`; `schemas` is treated the same way);
 * - `never` is never returned (`password`), even when asked for;
 * - `default` is returned unless `attributes` is given without naming it, or `excludedAttributes` names it;
 * - `request` is returned only when `attributes` names it.
 *
 * The walk follows the resource's own keys, which the storage writes in canonical spelling, and builds a new
 * object: the input is never mutated and the output shares no objects with it.
 */
import { findAttribute, findSchema, resolveAttribute } from './attributes.js';
import { COMMON_ATTRIBUTES } from './core-schemas.js';
import type { AttributeDefinition, ResourceSchemas, SchemaDefinition } from './schema-model.js';

/** The RFC 7644 §3.4.2.5 query parameters, already split into attribute paths (see `parseAttributeList`). */
export interface ProjectionOptions {
  readonly attributes?: readonly string[];
  readonly excludedAttributes?: readonly string[];
}

type Mode = 'attributes' | 'excludedAttributes';

// What a parameter names below one node: the node as a whole, or some of its children (canonical names).
interface Selection {
  whole: boolean;
  readonly children: Map<string, Selection>;
}

/** The resource as returned for these parameters; unknown attribute names are ignored, not an error. */
export function projectResource(
  resource: Readonly<Record<string, unknown>>,
  schemas: ResourceSchemas,
  options: ProjectionOptions = {},
): Record<string, unknown> {
  // RFC 7644 §3.4.2.5: `attributes` overrides the default set, while `excludedAttributes` only removes names
  // from that default set. Once `attributes` has replaced it there is nothing left to remove from, so when
  // both are given `attributes` wins and `excludedAttributes` is ignored.
  const attributes = options.attributes ?? [];
  const mode: Mode = attributes.length > 0 ? 'attributes' : 'excludedAttributes';
  const selection = selectionOf(
    schemas,
    mode === 'attributes' ? attributes : (options.excludedAttributes ?? []),
  );
  const baseAttributes = [...COMMON_ATTRIBUTES, ...schemas.core.attributes];

  const projected: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      projected[key] = structuredClone(value);
      continue;
    }
    const extension = findSchema(schemas, key);
    const definition =
      extension && extension !== schemas.core ? asAttribute(extension) : findAttribute(baseAttributes, key);
    const result = projectValue(
      definition,
      value,
      definition && selection.children.get(definition.name),
      mode,
    );
    if (result !== undefined) projected[key] = result;
  }
  return projected;
}

/**
 * Splits an `attributes` or `excludedAttributes` query value (RFC 7644 §3.9: comma-separated) into paths.
 * Blanks around names are dropped, including a `+` left over from form encoding.
 */
export function parseAttributeList(query: string | undefined): string[] {
  if (query === undefined) return [];
  return query
    .split(',')
    .map((name) => name.replace(/^[\s+]+|[\s+]+$/g, ''))
    .filter((name) => name.length > 0);
}

function selectionOf(schemas: ResourceSchemas, names: readonly string[]): Selection {
  const root = emptySelection();
  for (const name of names) {
    // A whole extension by its URN (RFC 7644 §3.10: the URN alone names the extension's complex attribute).
    const extension = findSchema(schemas, name);
    if (extension && extension !== schemas.core) {
      childOf(root, extension.id).whole = true;
      continue;
    }
    const resolved = resolveAttribute(schemas, name);
    if (!resolved) continue;
    const parent = resolved.extension ? childOf(root, resolved.schema) : root;
    const attribute = childOf(parent, resolved.attribute.name);
    if (resolved.definition === resolved.attribute) attribute.whole = true;
    else childOf(attribute, resolved.definition.name).whole = true;
  }
  return root;
}

function emptySelection(): Selection {
  return { whole: false, children: new Map() };
}

function childOf(selection: Selection, name: string): Selection {
  const existing = selection.children.get(name);
  if (existing) return existing;
  const child = emptySelection();
  selection.children.set(name, child);
  return child;
}

// An extension's object in a resource, seen as a complex attribute returned by default.
function asAttribute(extension: SchemaDefinition): AttributeDefinition {
  return {
    name: extension.id,
    type: 'complex',
    multiValued: false,
    description: extension.description,
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    subAttributes: extension.attributes,
  };
}

// The value to return for one attribute, or `undefined` to leave it out. A key no schema defines is treated as
// a simple attribute returned by default, which no parameter can name.
function projectValue(
  definition: AttributeDefinition | undefined,
  value: unknown,
  selection: Selection | undefined,
  mode: Mode,
): unknown {
  const returned = definition?.returned ?? 'default';
  if (returned === 'never') return undefined;
  // RFC 7644 §3.4.2.5: excludedAttributes "SHALL have no effect" on `always` attributes.
  if (returned === 'always') return keepAll(definition, value);
  if (mode === 'attributes') {
    if (selection?.whole) return keepAll(definition, value);
    // Not named itself, but a complex attribute may hold named sub-attributes (`name.givenName`).
    return definition?.subAttributes
      ? projectComplex(definition.subAttributes, value, selection, mode)
      : undefined;
  }
  // RFC 7643 §2.4: `request` attributes appear in a query response only when `attributes` names them.
  if (selection?.whole || returned === 'request') return undefined;
  return definition?.subAttributes
    ? projectComplex(definition.subAttributes, value, selection, mode)
    : structuredClone(value);
}

// The attribute as a whole, still without sub-attributes that are never returned.
function keepAll(definition: AttributeDefinition | undefined, value: unknown): unknown {
  if (!definition?.subAttributes) return structuredClone(value);
  return mapComplex(definition.subAttributes, value, true, (sub, subValue) =>
    sub?.returned === 'never' ? undefined : structuredClone(subValue),
  );
}

function projectComplex(
  subAttributes: readonly AttributeDefinition[],
  value: unknown,
  selection: Selection | undefined,
  mode: Mode,
): unknown {
  // Under `attributes` only what is named survives; under exclusions what cannot be projected is kept as is.
  return mapComplex(subAttributes, value, mode === 'excludedAttributes', (sub, subValue) =>
    projectValue(sub, subValue, sub && selection?.children.get(sub.name), mode),
  );
}

// Projects each sub-attribute of a complex value, or of each element of a multi-valued one. An object or list
// left empty by the projection is dropped. `passThrough` decides what happens to values there is nothing to
// project in: an empty object or list, or an element that is not an object.
function mapComplex(
  subAttributes: readonly AttributeDefinition[],
  value: unknown,
  passThrough: boolean,
  project: (sub: AttributeDefinition | undefined, subValue: unknown) => unknown,
): unknown {
  const projectItem = (item: unknown): unknown => {
    if (!isObject(item)) return passThrough ? structuredClone(item) : undefined;
    const projected: Record<string, unknown> = {};
    for (const [key, subValue] of Object.entries(item)) {
      const result = project(findAttribute(subAttributes, key), subValue);
      if (result !== undefined) projected[key] = result;
    }
    const empty = Object.keys(item).length === 0;
    return Object.keys(projected).length > 0 || (empty && passThrough) ? projected : undefined;
  };
  if (!Array.isArray(value)) return projectItem(value);
  const items = value.map(projectItem).filter((item) => item !== undefined);
  return items.length > 0 || (value.length === 0 && passThrough) ? items : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
