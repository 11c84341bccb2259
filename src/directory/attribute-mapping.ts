/**
 * A directory's attribute mapping (docs/attribute-mapping.md): the app's own names (`department`, `managerId`)
 * for SCIM attribute paths of the directory's users, core, enterprise or custom, with optional value filters
 * (`emails[type eq "work"].value`). Paths are parsed and resolved by the PATCH path machinery of `src/scim/`,
 * so a mapping path means exactly what the same PATCH path means. Pure: no I/O.
 */
import type { ResourceSchemas } from '../scim/schema-model.js';
import { type PatchTarget, resolveTarget } from '../scim/patch-target.js';
import { ScimError } from '../scim/scim-error.js';
import { selectTargetValue } from '../scim/target-value.js';
import { matchesValueFilter } from '../scim/value-filter.js';

/** Who writes the attribute the app reads: the identity provider (the default), or the app itself. */
export type AttributeOwner = 'idp' | 'app';

/** One entry as stored and as the admin API shows it. */
export interface MappingEntry {
  readonly name: string;
  readonly path: string;
  readonly owner: AttributeOwner;
}

/** An entry with its path resolved against the directory's user schemas; no `target` if it no longer resolves. */
export interface ResolvedEntry extends MappingEntry {
  readonly target?: PatchTarget;
}

/** A directory's mapping, resolved against its schemas; part of its model. */
export type AttributeMapping = readonly ResolvedEntry[];

export const MAX_MAPPING_ENTRIES = 100;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

export type MappingCheck =
  | { readonly ok: true; readonly mapping: AttributeMapping }
  | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Validates entries as an operator sent them, against the directory's user schemas, listing every problem by
 * entry. A valid mapping comes back resolved, owners spelled out.
 */
export function checkAttributeMapping(
  entries: readonly { name: string; path: string; owner?: AttributeOwner | undefined }[],
  schemas: ResourceSchemas,
): MappingCheck {
  if (entries.length > MAX_MAPPING_ENTRIES) {
    return { ok: false, problems: [`at most ${MAX_MAPPING_ENTRIES} mappings, got ${entries.length}`] };
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const mapping = entries.map((entry, index): ResolvedEntry => {
    const where = `mappings[${index}] (${JSON.stringify(entry.name)})`;
    if (!NAME.test(entry.name)) {
      problems.push(`${where}: a name starts with a letter and has at most 64 letters, digits and _`);
    }
    const earlier = seen.get(entry.name);
    if (earlier !== undefined) problems.push(`${where}: the name is already used by mappings[${earlier}]`);
    else seen.set(entry.name, index);
    const resolved = resolvePath(entry.path, schemas);
    if (typeof resolved === 'string')
      problems.push(`${where}: path ${JSON.stringify(entry.path)} ${resolved}`);
    const owner = entry.owner ?? 'idp';
    return {
      name: entry.name,
      path: entry.path,
      owner,
      ...(typeof resolved === 'string' ? {} : { target: resolved }),
    };
  });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, mapping };
}

/** Stored entries resolved against (possibly since changed) schemas; an entry that no longer resolves is null. */
export function resolveAttributeMapping(
  entries: readonly MappingEntry[],
  schemas: ResourceSchemas,
): AttributeMapping {
  return entries.map((entry) => {
    const resolved = resolvePath(entry.path, schemas);
    return typeof resolved === 'string' ? { ...entry } : { ...entry, target: resolved };
  });
}

/** The entries as stored and shown, without their resolution. */
export const mappingEntries = (mapping: AttributeMapping): MappingEntry[] =>
  mapping.map(({ name, path, owner }) => ({ name, path, owner }));

/**
 * Names of the entries whose path lies in the schema extension `urn` (compared case-insensitively): a custom
 * schema that the mapping references must not be deleted.
 */
export function mappingReferences(mapping: AttributeMapping, urn: string): string[] {
  const wanted = urn.toLowerCase();
  return mapping.filter((e) => e.target?.extension?.id.toLowerCase() === wanted).map((e) => e.name);
}

/**
 * The value of every mapped name in `resource` (a stored canonical SCIM user): the value at its path, or null
 * when absent, so every mapped name is present and the app sees a stable shape.
 */
export function customAttributesOf(
  resource: Readonly<Record<string, unknown>>,
  mapping: AttributeMapping,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const entry of mapping) {
    values[entry.name] = (entry.target && selectTargetValue(resource, entry.target)) ?? null;
  }
  return values;
}

/** The resolved target, or why the path cannot be mapped. */
function resolvePath(path: string, schemas: ResourceSchemas): PatchTarget | string {
  let target: PatchTarget;
  try {
    target = resolveTarget(schemas, path);
  } catch (error) {
    if (error instanceof ScimError) return `is invalid: ${error.detail}`;
    throw error;
  }
  const { attribute, extension, filter, sub } = target;
  // Storage keeps neither readOnly attributes (id, meta, groups: the server's own) nor writeOnly ones (password).
  for (const definition of [attribute, sub]) {
    if (definition && definition.mutability !== 'readWrite' && definition.mutability !== 'immutable') {
      return `names ${definition.name}, which is ${definition.mutability} and never stored from the identity provider`;
    }
  }
  // An unqualified extension attribute resolves only while exactly one extension defines the name: a schema
  // added later could make it ambiguous, so the mapping names the extension.
  if (extension && !path.trim().toLowerCase().startsWith(`${extension.id.toLowerCase()}:`)) {
    return `must name the extension: ${extension.id}:${path.trim()}`;
  }
  if (filter) {
    if (!attribute.multiValued) return `has a value filter, but ${attribute.name} is single-valued`;
    try {
      // Operators the sub-attribute's type does not support throw on any element (RFC 7644 §3.4.2.2).
      matchesValueFilter(filter, {}, attribute);
    } catch (error) {
      if (error instanceof ScimError) return `is invalid: ${error.detail}`;
      throw error;
    }
  }
  return target;
}
