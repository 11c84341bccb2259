/**
 * A User or Group body of a POST (RFC 7644 §3.3) or PUT (§3.5.1) turned into the canonical resource the
 * storage keeps: canonical attribute names, extension attributes under their schema URN (RFC 7643 §3.3, §8.3),
 * and none of what the client may not set (`id`, `meta`, readOnly attributes) or we never keep (`password`).
 * Tolerance comes first (IDP-QUIRKS §1 items 10 and 15): odd `schemas` are tolerated, and unknown attributes are
 * kept or refused as the directory's policy says.
 */
import type { JsonObject, NormalizeContext } from './attribute-values.js';
import {
  isJsonObject,
  isSafeKey,
  jsonEqual,
  normalizeAttributeValue,
  normalizeScalar,
  unknownAttribute,
} from './attribute-values.js';
import { findAttribute, findSchema } from './attributes.js';
import { COMMON_ATTRIBUTES } from './core-schemas.js';
import { isMembership, normalizeMembers } from './group-members.js';
import { PERMISSIVE, type Tolerance, tolerate } from './normalizations.js';
import type { AttributeDefinition, ResourceSchemas, SchemaDefinition } from './schema-model.js';
import { ScimError } from './scim-error.js';

/** A body in canonical form, plus what was taken out of it. */
export interface CanonicalResource {
  readonly resource: Record<string, unknown>;
  /** The writeOnly `password`, if sent; it never appears in `resource`. */
  readonly password?: string;
  /** Paths of unknown attributes met, e.g. `custom`, `emails[0].foo` (kept as sent unless refused). */
  readonly ignored: string[];
}

/**
 * Normalizes and validates a POST (`create`) or PUT (`replace`) body. Throws `ScimError.invalidSyntax` when the
 * body is not a JSON object and `ScimError.invalidValue` for a wrong type or a missing required attribute.
 */
export function toCanonicalResource(
  body: unknown,
  schemas: ResourceSchemas,
  mode: 'create' | 'replace',
  tolerance: Tolerance = PERMISSIVE,
): CanonicalResource {
  if (!isJsonObject(body)) throw ScimError.invalidSyntax(`the ${mode} body must be a JSON object`);
  const context: NormalizeContext = { ignored: [], tolerance };
  const resource: JsonObject = { schemas: [schemas.core.id] };
  let password: string | undefined;
  const baseAttributes = [...COMMON_ATTRIBUTES, ...schemas.core.attributes];

  for (const [key, value] of Object.entries(body)) {
    // RFC 7643 §3: the client's `schemas` is accepted but recomputed from what is present; URNs we do not know
    // (SCIM 1.1, Microsoft's ADSCIM group, `enterprise:2.0User`) are tolerated (IDP-QUIRKS §10).
    if (key.toLowerCase() === 'schemas') {
      if (hasUnknownUrn(value, schemas) && !tolerate(tolerance, 'legacy-schema-urns')) {
        throw ScimError.invalidSyntax('schemas names a schema this resource type does not have');
      }
      continue;
    }
    const extension = findSchema(schemas, key);
    if (extension && extension !== schemas.core) {
      const object = normalizeExtension(extension, value, context);
      if (object) resource[extension.id] = object;
      continue;
    }
    const definition = findAttribute(baseAttributes, key);
    // Unqualified extension attributes (Entra's top-level `department`) are unknown here: RFC 7643 §3.3
    // puts them in the extension object, and IDP-QUIRKS §10 lists them among attributes to tolerate.
    if (!definition) {
      if (isSafeKey(key) && unknownAttribute(context, key, value)) resource[key] = value;
      continue;
    }
    if (definition.mutability === 'writeOnly') {
      password = normalizeScalar(definition, value, definition.name, context) as string | undefined;
      continue;
    }
    if (definition.mutability === 'readOnly') continue;
    const normalized = isMembership(definition)
      ? normalizeMembers(definition, value, definition.name, context)
      : normalizeAttributeValue(definition, value, definition.name, context);
    if (normalized !== undefined) resource[definition.name] = normalized;
  }

  assertRequired(resource, schemas);
  resource.schemas = presentSchemas(resource, schemas);
  return { resource, ...(password === undefined ? {} : { password }), ignored: context.ignored };
}

function normalizeExtension(
  extension: SchemaDefinition,
  value: unknown,
  context: NormalizeContext,
): JsonObject | undefined {
  if (value === null || value === undefined) return undefined;
  if (!isJsonObject(value)) throw ScimError.invalidValue(`${extension.id} must be a JSON object`);
  const object: JsonObject = {};
  for (const [key, raw] of Object.entries(value)) {
    const definition = findAttribute(extension.attributes, key);
    if (!definition) {
      if (isSafeKey(key) && unknownAttribute(context, `${extension.id}:${key}`, raw)) object[key] = raw;
      continue;
    }
    if (definition.mutability === 'readOnly') continue;
    const normalized = normalizeAttributeValue(
      definition,
      raw,
      `${extension.id}:${definition.name}`,
      context,
    );
    if (normalized !== undefined) object[definition.name] = normalized;
  }
  return Object.keys(object).length === 0 ? undefined : object;
}

function hasUnknownUrn(value: unknown, schemas: ResourceSchemas): boolean {
  const known = [schemas.core, ...schemas.extensions].map((schema) => schema.id.toLowerCase());
  const list: unknown[] = Array.isArray(value) ? value : [value];
  return list.some((urn) => typeof urn !== 'string' || !known.includes(urn.toLowerCase()));
}

/**
 * RFC 7643 §2.2 `required` (RFC 7644 §3.3: a missing one is 400 `invalidValue`); applies to a resource after
 * PATCH too. Extension attributes are only required once the extension is present.
 */
export function assertRequired(resource: Readonly<JsonObject>, schemas: ResourceSchemas): void {
  const check = (
    attributes: readonly AttributeDefinition[],
    object: Readonly<JsonObject>,
    prefix: string,
  ) => {
    for (const attribute of attributes) {
      if (attribute.required && object[attribute.name] === undefined) {
        throw ScimError.invalidValue(`${prefix}${attribute.name} is required`);
      }
    }
  };
  check(schemas.core.attributes, resource, '');
  for (const urn of schemas.requiredExtensions ?? []) {
    if (!isJsonObject(resource[urn])) throw ScimError.invalidValue(`the extension ${urn} is required`);
  }
  for (const extension of schemas.extensions) {
    const object = resource[extension.id];
    if (isJsonObject(object)) check(extension.attributes, object, `${extension.id}:`);
  }
}

/** RFC 7643 §3: the base schema's URN and those of the extensions the resource carries. */
export function presentSchemas(resource: Readonly<JsonObject>, schemas: ResourceSchemas): string[] {
  const present = schemas.extensions.filter((extension) => isJsonObject(resource[extension.id]));
  return [schemas.core.id, ...present.map((extension) => extension.id)];
}

/**
 * RFC 7643 §2.2 and RFC 7644 §3.5.1 for PUT: a singular `immutable` attribute that already has a value may be
 * repeated but not changed (`ScimError.mutability`). Leaving it out of `next` is not a change; the caller keeps
 * the stored value. The core schemas have no such top-level attribute (only `members` sub-attributes, which
 * identify the element rather than change it), so this guards custom schemas.
 */
export function assertImmutableUnchanged(
  current: Readonly<Record<string, unknown>>,
  next: Readonly<Record<string, unknown>>,
  schemas: ResourceSchemas,
): void {
  const check = (
    attributes: readonly AttributeDefinition[],
    before: unknown,
    after: unknown,
    prefix = '',
  ) => {
    if (!isJsonObject(before) || !isJsonObject(after)) return;
    for (const attribute of attributes) {
      if (attribute.mutability !== 'immutable' || attribute.multiValued) continue;
      const was = before[attribute.name];
      const is = after[attribute.name];
      if (was !== undefined && is !== undefined && !jsonEqual(was, is)) {
        throw ScimError.mutability(`${prefix}${attribute.name} is immutable`);
      }
    }
  };
  check([...COMMON_ATTRIBUTES, ...schemas.core.attributes], current, next);
  for (const extension of schemas.extensions) {
    check(extension.attributes, current[extension.id], next[extension.id], `${extension.id}:`);
  }
}
