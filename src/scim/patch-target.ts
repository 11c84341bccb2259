/**
 * Where a PATCH operation points (RFC 7644 §3.5.2 `path`): the top-level attribute, the schema extension it
 * lives in (its values sit under the URN key, RFC 7643 §3.3), an optional value filter and an optional
 * sub-attribute. Names resolve case-insensitively to their canonical spelling (RFC 7643 §2.1), and a URN is
 * never split on its dots (IDP-QUIRKS §1 item 6).
 */
import type { JsonObject } from './attribute-values.js';
import { isJsonObject } from './attribute-values.js';
import { findAttribute, findSchema, resolveAttribute } from './attributes.js';
import type { ValueFilter } from './filter/ast.js';
import { parsePatchPath } from './filter/parse.js';
import type { AttributeDefinition, ResourceSchemas, SchemaDefinition } from './schema-model.js';
import { ScimError } from './scim-error.js';
import { assertValueFilter } from './value-filter.js';

export interface PatchTarget {
  /** The path as the client sent it, for error details. */
  readonly text: string;
  readonly attribute: AttributeDefinition;
  /** The extension schema holding the attribute; absent for the base schema and common attributes. */
  readonly extension?: SchemaDefinition;
  readonly filter?: ValueFilter;
  readonly sub?: AttributeDefinition;
}

/**
 * Resolves a path against the schemas. Throws `ScimError.invalidPath` when it is malformed or names an unknown
 * attribute, a sub-attribute the attribute lacks, or a filter on a simple attribute.
 */
export function resolveTarget(schemas: ResourceSchemas, text: string): PatchTarget {
  const parsed = parsePatchPath(text);
  const { schema, name, subAttribute } = parsed.attribute;
  const attributeText = `${schema === undefined ? '' : `${schema}:`}${name}`;
  const resolved = resolveAttribute(
    schemas,
    subAttribute === undefined ? attributeText : `${attributeText}.${subAttribute}`,
  );
  if (!resolved) throw ScimError.invalidPath(`"${text}" names no attribute of this resource type`);
  const { attribute } = resolved;
  let sub = resolved.definition === attribute ? undefined : resolved.definition;
  if (parsed.subAttribute !== undefined) {
    sub = findAttribute(attribute.subAttributes ?? [], parsed.subAttribute);
    if (!sub) throw ScimError.invalidPath(`${attribute.name} has no sub-attribute "${parsed.subAttribute}"`);
  }
  if (parsed.filter) {
    // A filter on a singular complex attribute is Entra's `manager[value eq "id"]` (IDP-QUIRKS §1 item 6).
    if (attribute.type !== 'complex') {
      throw ScimError.invalidPath(`"${text}": a value filter needs a complex attribute`);
    }
    assertValueFilter(parsed.filter, attribute);
  }
  const extension = resolved.extension ? findSchema(schemas, resolved.schema) : undefined;
  return {
    text,
    attribute,
    ...(extension ? { extension } : {}),
    ...(parsed.filter ? { filter: parsed.filter } : {}),
    ...(sub ? { sub } : {}),
  };
}

/** The extension a path names as a whole (`urn:...:enterprise:2.0:User`), if any. */
export function extensionNamed(schemas: ResourceSchemas, text: string): SchemaDefinition | undefined {
  const schema = findSchema(schemas, text);
  return schema && schema !== schemas.core ? schema : undefined;
}

/** The target attribute's current value in `resource`. */
export function readTarget(resource: Readonly<JsonObject>, target: PatchTarget): unknown {
  const container = target.extension ? resource[target.extension.id] : resource;
  return isJsonObject(container) ? container[target.attribute.name] : undefined;
}

/** Sets (or, for `undefined`, unsets) the target attribute in `resource`, which is the engine's own copy. */
export function writeTarget(resource: JsonObject, target: PatchTarget, value: unknown): void {
  const key = target.extension?.id;
  const existing = key === undefined ? resource : resource[key];
  let container: JsonObject;
  if (isJsonObject(existing)) container = existing;
  else if (value === undefined || key === undefined) return;
  else resource[key] = container = {};
  if (value === undefined) delete container[target.attribute.name];
  else container[target.attribute.name] = value;
  // RFC 7643 §3: an extension with no attributes left is not part of the resource.
  if (key !== undefined && Object.keys(container).length === 0) delete resource[key];
}
