/**
 * Which attributes a response carries: RFC 7644 §3.4.2.5 (`attributes`, `excludedAttributes`) applied on top
 * of each attribute's `returned` characteristic (RFC 7643 §2.4 and §7):
 *
 * - `always` is returned whatever the parameters say (`id`; `schemas` is treated the same way);
 * - `never` is never returned (`password`), even when asked for;
 * - `default` is returned unless `attributes` is given without naming it, or `excludedAttributes` names it;
 * - `request` is returned only when `attributes` names it.
 *
 * The parameters are compiled once per resource type and parameter set into a tree of {@link Projector}s, so a
 * page of a thousand resources resolves no attribute name twice; the walk then follows each resource's own
 * keys. The input is never mutated. The output is a new object at every level the projection can change; values
 * it keeps whole (most of them, without parameters) are the input's own, so callers hand it resources they own
 * (the renderers build a fresh one per response) and do not mutate the output.
 */
import { findSchema, resolveAttribute } from './attributes.js';
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

/**
 * What happens to one value: kept as it is, dropped, or rebuilt from its sub-attributes (an object, or each
 * element of a list of objects). `subs` is keyed by lower-cased name (RFC 7643 §2.1); `unknown` applies to keys
 * no definition names. `passThrough` decides what happens to values there is nothing to project in: an empty
 * object or list, or an element that is not an object.
 */
type Projector =
  | { readonly kind: 'keep' }
  | { readonly kind: 'drop' }
  | {
      readonly kind: 'complex';
      readonly subs: ReadonlyMap<string, Projector>;
      readonly unknown: Projector;
      readonly passThrough: boolean;
    };

const KEEP: Projector = { kind: 'keep' };
const DROP: Projector = { kind: 'drop' };

/** The resource as returned for these parameters; unknown attribute names are ignored, not an error. */
export function projectResource(
  resource: Readonly<Record<string, unknown>>,
  schemas: ResourceSchemas,
  options: ProjectionOptions = {},
): Record<string, unknown> {
  return (apply(compiled(schemas, options), resource) as Record<string, unknown> | undefined) ?? {};
}

/**
 * Whether these parameters return a resource exactly as stored, so a renderer may copy its stored JSON instead of
 * parsing and projecting it: true when every attribute is kept whole, apart from those listed in `neverStored`
 * (attributes that are `returned: never` and never written into a stored resource, like `password`).
 */
export function keepsStoredResource(
  schemas: ResourceSchemas,
  options: ProjectionOptions,
  neverStored: ReadonlySet<string>,
): boolean {
  const root = compiled(schemas, options);
  let known = keepsStored.get(root);
  if (known === undefined) {
    known =
      root.kind === 'keep' ||
      (root.kind === 'complex' &&
        root.passThrough &&
        root.unknown === KEEP &&
        [...root.subs].every(([name, p]) => p === KEEP || neverStored.has(name)));
    keepsStored.set(root, known);
  }
  return known;
}
const keepsStored = new WeakMap<Projector, boolean>();

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

// Compiled projectors per resource type, by parameter set. Parameters come from clients, so each resource
// type keeps only the most recent few; the default set (no parameters) is by far the most frequent.
const CACHE_SIZE = 64;
const cache = new WeakMap<ResourceSchemas, Map<string, Projector>>();

function compiled(schemas: ResourceSchemas, options: ProjectionOptions): Projector {
  // RFC 7644 §3.4.2.5: `attributes` overrides the default set, while `excludedAttributes` only removes names
  // from that default set. Once `attributes` has replaced it there is nothing left to remove from, so when
  // both are given `attributes` wins and `excludedAttributes` is ignored.
  const attributes = options.attributes ?? [];
  const mode: Mode = attributes.length > 0 ? 'attributes' : 'excludedAttributes';
  const names = mode === 'attributes' ? attributes : (options.excludedAttributes ?? []);
  const key = `${mode}\n${names.join('\n')}`;
  let bySet = cache.get(schemas);
  if (!bySet) cache.set(schemas, (bySet = new Map<string, Projector>()));
  const found = bySet.get(key);
  if (found) return found;
  const projector = compileRoot(schemas, selectionOf(schemas, names), mode);
  if (bySet.size >= CACHE_SIZE) bySet.delete(bySet.keys().next().value!);
  bySet.set(key, projector);
  return projector;
}

// The resource's top level: the base schema's and the common attributes, each extension as one complex
// attribute under its URN, and `schemas`, which is always returned.
function compileRoot(schemas: ResourceSchemas, selection: Selection, mode: Mode): Projector {
  // Extension URNs contain ':', which no attribute name does, so the names cannot collide.
  const attributes = [
    ...COMMON_ATTRIBUTES,
    ...schemas.core.attributes,
    ...schemas.extensions.map(asAttribute),
  ];
  const subs = byName(attributes, (attribute) =>
    compileValue(attribute, selection.children.get(attribute.name), mode),
  );
  subs.set('schemas', KEEP);
  // A key no schema defines is treated as a simple attribute returned by default, which no parameter can name.
  return { kind: 'complex', subs, unknown: compileValue(undefined, undefined, mode), passThrough: true };
}

// Each definition's projector by lower-cased name (RFC 7643 §2.1); the first definition of a name wins, as in
// `findAttribute`.
function byName(
  attributes: readonly AttributeDefinition[],
  compile: (attribute: AttributeDefinition) => Projector,
): Map<string, Projector> {
  const projectors = new Map<string, Projector>();
  for (const attribute of attributes) {
    const name = attribute.name.toLowerCase();
    if (!projectors.has(name)) projectors.set(name, compile(attribute));
  }
  return projectors;
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

// What to do with one attribute's values. A key no schema defines (`definition` undefined) is a simple
// attribute returned by default, which no parameter can name.
function compileValue(
  definition: AttributeDefinition | undefined,
  selection: Selection | undefined,
  mode: Mode,
): Projector {
  const returned = definition?.returned ?? 'default';
  if (returned === 'never') return DROP;
  // RFC 7644 §3.4.2.5: excludedAttributes "SHALL have no effect" on `always` attributes.
  if (returned === 'always') return keepAll(definition);
  if (mode === 'attributes' && selection?.whole) return keepAll(definition);
  // RFC 7643 §2.4: `request` attributes appear in a query response only when `attributes` names them.
  if (mode === 'excludedAttributes' && (selection?.whole || returned === 'request')) return DROP;
  // Not named itself, a complex attribute may still hold named sub-attributes (`name.givenName`). Under
  // `attributes` only what is named survives; under exclusions what cannot be projected is kept as it is.
  const inclusive = mode === 'excludedAttributes';
  if (!definition?.subAttributes) return inclusive ? KEEP : DROP;
  return complex(
    definition.subAttributes,
    inclusive,
    (sub) => compileValue(sub, selection?.children.get(sub.name), mode),
    inclusive ? KEEP : DROP,
  );
}

// The attribute as a whole, still without sub-attributes that are never returned.
function keepAll(definition: AttributeDefinition | undefined): Projector {
  if (!definition?.subAttributes) return KEEP;
  return complex(definition.subAttributes, true, (sub) => (sub.returned === 'never' ? DROP : KEEP), KEEP);
}

// A complex attribute's projector; one that would keep every value as it is collapses to KEEP.
function complex(
  subAttributes: readonly AttributeDefinition[],
  passThrough: boolean,
  compileSub: (sub: AttributeDefinition) => Projector,
  unknown: Projector,
): Projector {
  const subs = byName(subAttributes, compileSub);
  const keepsEverything = passThrough && unknown === KEEP && [...subs.values()].every((p) => p === KEEP);
  return keepsEverything ? KEEP : { kind: 'complex', subs, unknown, passThrough };
}

// Applies a projector to one value: the value to return, or `undefined` to leave it out. An object or list
// left empty by the projection is dropped.
function apply(projector: Projector, value: unknown): unknown {
  if (projector.kind === 'keep') return value;
  if (projector.kind === 'drop') return undefined;
  if (!Array.isArray(value)) return applyItem(projector, value);
  const items: unknown[] = [];
  for (const item of value) {
    const result = applyItem(projector, item);
    if (result !== undefined) items.push(result);
  }
  return items.length > 0 || (value.length === 0 && projector.passThrough) ? items : undefined;
}

function applyItem(projector: Projector & { kind: 'complex' }, item: unknown): unknown {
  if (!isObject(item)) return projector.passThrough ? item : undefined;
  const projected: Record<string, unknown> = {};
  let kept = 0;
  const keys = Object.keys(item);
  for (const key of keys) {
    const result = apply(projector.subs.get(key.toLowerCase()) ?? projector.unknown, item[key]);
    if (result !== undefined) {
      projected[key] = result;
      kept++;
    }
  }
  return kept > 0 || (keys.length === 0 && projector.passThrough) ? projected : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
