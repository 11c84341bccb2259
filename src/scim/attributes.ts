/**
 * Attribute paths in standard attribute notation (RFC 7644 §3.10): `userName`, `name.familyName`, or the same
 * prefixed by a schema URN and a colon, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
 * A URN contains dots (`2.0`), so the URN is matched against the known schemas first and only the part after it
 * is split on '.'. Names are case-insensitive (RFC 7643 §2.1) and resolve to their canonical spelling.
 */
import { COMMON_ATTRIBUTES } from './core-schemas.js';
import type { AttributeDefinition, ResourceSchemas, SchemaDefinition } from './schema-model.js';

/** An attribute path resolved against a resource type's schemas. */
export interface ResolvedAttribute {
  /** The definition the path names: the sub-attribute's for `name.givenName`. */
  readonly definition: AttributeDefinition;
  /** The top-level attribute; the same object as `definition` unless the path names a sub-attribute. */
  readonly attribute: AttributeDefinition;
  /** Canonical spelling without the URN: `name.givenName`, `manager.value`. */
  readonly path: string;
  /** URN of the schema defining the attribute; the base schema's for the common attributes (RFC 7643 §3.1). */
  readonly schema: string;
  /** Whether `schema` is one of the resource type's extensions rather than its base schema. */
  readonly extension: boolean;
}

/** Every schema of the resource type, base schema first. */
export function schemasOf(schemas: ResourceSchemas): readonly SchemaDefinition[] {
  return [schemas.core, ...schemas.extensions];
}

/** The resource type's schema with this URN, compared case-insensitively; `undefined` when unknown. */
export function findSchema(schemas: ResourceSchemas, urn: string): SchemaDefinition | undefined {
  const wanted = urn.trim().toLowerCase();
  return schemasOf(schemas).find((schema) => schema.id.toLowerCase() === wanted);
}

/** `name`'s definition among `attributes`, compared case-insensitively (RFC 7643 §2.1). */
export function findAttribute(
  attributes: readonly AttributeDefinition[],
  name: string,
): AttributeDefinition | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((attribute) => attribute.name.toLowerCase() === wanted);
}

/**
 * Resolves an attribute path against a resource type's schemas; `undefined` when the path names no known
 * attribute. Without a URN the base schema and the common attributes are searched first; an unqualified name
 * that only an extension defines still resolves when exactly one extension defines it (RFC 7644 §3.10 only
 * says clients SHOULD qualify extension attributes).
 */
export function resolveAttribute(schemas: ResourceSchemas, text: string): ResolvedAttribute | undefined {
  const path = text.trim();
  const qualified = splitUrn(schemas, path);
  if (qualified) {
    const { schema, rest } = qualified;
    const extension = schema !== schemas.core;
    // The common attributes belong to every base schema (RFC 7643 §3.1), never to an extension.
    const attributes = extension ? schema.attributes : [...COMMON_ATTRIBUTES, ...schema.attributes];
    return resolveIn(attributes, rest, schema.id, extension);
  }
  // An unknown URN: its attributes are not ours, whatever follows it.
  if (path.toLowerCase().startsWith('urn:')) return undefined;

  const core = resolveIn([...COMMON_ATTRIBUTES, ...schemas.core.attributes], path, schemas.core.id, false);
  if (core) return core;
  const candidates = schemas.extensions
    .map((schema) => resolveIn(schema.attributes, path, schema.id, true))
    .filter((resolved) => resolved !== undefined);
  return candidates.length === 1 ? candidates[0] : undefined;
}

// Longest URN first, so that one schema URN being a prefix of another cannot capture its attributes.
const byUrnLength = new WeakMap<ResourceSchemas, readonly SchemaDefinition[]>();
function longestUrnFirst(schemas: ResourceSchemas): readonly SchemaDefinition[] {
  let sorted = byUrnLength.get(schemas);
  if (!sorted) {
    sorted = [...schemasOf(schemas)].sort((a, b) => b.id.length - a.id.length);
    byUrnLength.set(schemas, sorted);
  }
  return sorted;
}

// The schema whose URN prefixes `path` (followed by ':'), and what follows it.
function splitUrn(
  schemas: ResourceSchemas,
  path: string,
): { schema: SchemaDefinition; rest: string } | undefined {
  const lower = path.toLowerCase();
  if (!lower.startsWith('urn:')) return undefined;
  for (const schema of longestUrnFirst(schemas)) {
    const prefix = `${schema.id.toLowerCase()}:`;
    if (lower.startsWith(prefix)) return { schema, rest: path.slice(prefix.length) };
  }
  return undefined;
}

function resolveIn(
  attributes: readonly AttributeDefinition[],
  path: string,
  schema: string,
  extension: boolean,
): ResolvedAttribute | undefined {
  const [name, subName, ...more] = path.split('.');
  // RFC 7643 §2.3.8: sub-attributes are never complex, so a path has at most one dot.
  if (name === undefined || more.length > 0) return undefined;
  const attribute = findAttribute(attributes, name);
  if (!attribute) return undefined;
  if (subName === undefined)
    return { definition: attribute, attribute, path: attribute.name, schema, extension };
  const definition = findAttribute(attribute.subAttributes ?? [], subName);
  if (!definition) return undefined;
  return { definition, attribute, path: `${attribute.name}.${definition.name}`, schema, extension };
}
