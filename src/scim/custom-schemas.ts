/**
 * Schema extensions a directory declares for itself (RFC 7643 §3.3, §7): what its identity provider sends beyond
 * the core and enterprise schemas. A custom schema is checked here once, when an operator adds or changes it;
 * afterwards it is an ordinary `SchemaDefinition`, so validation, PATCH paths, filters, sorting and projection
 * treat its attributes exactly like core ones. Pure: storage and the admin API live elsewhere.
 */
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  GROUP_RESOURCE_TYPE,
  SCHEMA_DEFINITIONS,
  USER_RESOURCE_SCHEMAS,
  USER_RESOURCE_TYPE,
  deepFreeze,
} from './core-schemas.js';
import type {
  AttributeDefinition,
  AttributeType,
  Mutability,
  ResourceSchemas,
  ResourceTypeDefinition,
  Returned,
  SchemaDefinition,
  Uniqueness,
} from './schema-model.js';

export type ExtensibleResourceType = 'User' | 'Group';

/** A directory's own extension of one resource type. */
export interface CustomSchema {
  readonly definition: SchemaDefinition;
  readonly resourceType: ExtensibleResourceType;
  /** Every resource of the type must carry the extension (RFC 7643 §6 `schemaExtensions[].required`). */
  readonly required: boolean;
  /** Attribute paths (`costCenter`, `site.code`) the directory looks resources up by; each gets an index. */
  readonly indexed: readonly string[];
}

/** Everything one directory's SCIM endpoint serves and validates against. */
export interface DirectorySchemas {
  readonly user: ResourceSchemas;
  readonly group: ResourceSchemas;
  /** What `/ResourceTypes` lists. */
  readonly resourceTypes: readonly ResourceTypeDefinition[];
  /** What `/Schemas` lists. */
  readonly definitions: readonly SchemaDefinition[];
  readonly custom: readonly CustomSchema[];
}

/** A directory without custom schemas. */
export const CORE_DIRECTORY_SCHEMAS: DirectorySchemas = deepFreeze({
  user: USER_RESOURCE_SCHEMAS,
  group: GROUP_RESOURCE_SCHEMAS,
  resourceTypes: [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE],
  definitions: [...SCHEMA_DEFINITIONS],
  custom: [],
});

export function directorySchemas(custom: readonly CustomSchema[]): DirectorySchemas {
  if (custom.length === 0) return CORE_DIRECTORY_SCHEMAS;
  const of = (type: ExtensibleResourceType) => custom.filter((c) => c.resourceType === type);
  const extend = (base: ResourceSchemas, type: ExtensibleResourceType): ResourceSchemas => ({
    core: base.core,
    extensions: [...base.extensions, ...of(type).map((c) => c.definition)],
    requiredExtensions: of(type)
      .filter((c) => c.required)
      .map((c) => c.definition.id),
  });
  const extendType = (
    base: ResourceTypeDefinition,
    type: ExtensibleResourceType,
  ): ResourceTypeDefinition => ({
    ...base,
    schemaExtensions: [
      ...base.schemaExtensions,
      ...of(type).map((c) => ({ schema: c.definition.id, required: c.required })),
    ],
  });
  return deepFreeze({
    user: extend(USER_RESOURCE_SCHEMAS, 'User'),
    group: extend(GROUP_RESOURCE_SCHEMAS, 'Group'),
    resourceTypes: [extendType(USER_RESOURCE_TYPE, 'User'), extendType(GROUP_RESOURCE_TYPE, 'Group')],
    definitions: [...SCHEMA_DEFINITIONS, ...custom.map((c) => c.definition)],
    custom: [...custom],
  });
}

/** What an operator sends: the RFC 7643 §7 schema form, with RFC 7643 §2.2 defaults for what is left out. */
export interface SchemaDocument {
  readonly id: string;
  readonly name?: string;
  readonly description?: string;
  readonly resourceType: ExtensibleResourceType;
  readonly required?: boolean;
  readonly indexed?: readonly string[];
  readonly attributes: readonly AttributeDocument[];
}

export interface AttributeDocument {
  readonly name: string;
  readonly type?: AttributeType;
  readonly multiValued?: boolean;
  readonly description?: string;
  readonly required?: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: Mutability;
  readonly returned?: Returned;
  readonly uniqueness?: Uniqueness;
  readonly canonicalValues?: readonly string[];
  readonly referenceTypes?: readonly string[];
  readonly subAttributes?: readonly AttributeDocument[];
}

/** A schema document that cannot be used; `problems` says why, one sentence each. */
export class SchemaDocumentError extends Error {
  override readonly name = 'SchemaDocumentError';
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
  }
}

export const MAX_CUSTOM_SCHEMAS = 20;
export const MAX_ATTRIBUTES = 100;
export const MAX_SUB_ATTRIBUTES = 50;
export const MAX_INDEXED = 10;

// RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; `$ref` for references.
const ATTRIBUTE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
// RFC 8141's shape, loosely: `urn:` NID `:` NSS, no whitespace, no characters that would break a URL path.
const SCHEMA_URN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[A-Za-z0-9()+,\-.:=@;$_!*'%]+$/;
const RESERVED_PREFIXES = ['urn:ietf:params:scim:schemas:core:', 'urn:ietf:params:scim:api:'];

/**
 * Checks a schema document and spells out every characteristic (RFC 7643 §2.2 defaults). Throws
 * `SchemaDocumentError` listing every problem found.
 */
export function toCustomSchema(document: SchemaDocument): CustomSchema {
  const problems: string[] = [];
  const id = document.id.trim();
  const lower = id.toLowerCase();
  if (id.length > 200 || !SCHEMA_URN.test(id)) problems.push(`id "${id}" is not a schema URN`);
  if (RESERVED_PREFIXES.some((p) => lower.startsWith(p)) || lower === ENTERPRISE_USER_SCHEMA.toLowerCase()) {
    problems.push(`id "${id}" is a schema RFC 7643 defines; it cannot be redefined`);
  }
  const attributes = attributeList(document.attributes, '', problems, MAX_ATTRIBUTES, false);
  if (attributes.length === 0 && document.attributes.length === 0)
    problems.push('attributes must not be empty');

  const indexed = [...new Set(document.indexed ?? [])];
  if (indexed.length > MAX_INDEXED) problems.push(`at most ${MAX_INDEXED} attributes can be indexed`);
  const canonicalIndexed: string[] = [];
  for (const path of indexed) {
    const found = indexable(attributes, path);
    if (typeof found === 'string') problems.push(`indexed "${path}": ${found}`);
    else canonicalIndexed.push(found.path);
  }
  if (problems.length > 0) throw new SchemaDocumentError(problems);
  return deepFreeze({
    definition: {
      id,
      name: document.name ?? id.slice(id.lastIndexOf(':') + 1),
      description: document.description ?? '',
      attributes,
    },
    resourceType: document.resourceType,
    required: document.required ?? false,
    indexed: canonicalIndexed,
  });
}

function attributeList(
  documents: readonly AttributeDocument[],
  prefix: string,
  problems: string[],
  max: number,
  sub: boolean,
): AttributeDefinition[] {
  if (documents.length > max) problems.push(`${prefix || 'a schema'} may have at most ${max} attributes`);
  const seen = new Set<string>();
  const result: AttributeDefinition[] = [];
  for (const document of documents) {
    const path = `${prefix}${document.name}`;
    const nameOk = ATTRIBUTE_NAME.test(document.name) || (sub && document.name === '$ref');
    if (!nameOk) problems.push(`"${path}" is not an attribute name (RFC 7643 §2.1)`);
    if (seen.has(document.name.toLowerCase())) problems.push(`"${path}" is defined twice`);
    seen.add(document.name.toLowerCase());
    const attribute = attributeOf(document, path, problems, sub);
    if (attribute) result.push(attribute);
  }
  return result;
}

function attributeOf(
  document: AttributeDocument,
  path: string,
  problems: string[],
  sub: boolean,
): AttributeDefinition | undefined {
  const type = document.type ?? 'string';
  const mutability = document.mutability ?? 'readWrite';
  const returned = document.returned ?? (mutability === 'writeOnly' ? 'never' : 'default');
  const uniqueness = document.uniqueness ?? 'none';
  const multiValued = document.multiValued ?? false;
  const required = document.required ?? false;
  if (type === 'complex' && sub)
    problems.push(`"${path}": sub-attributes cannot be complex (RFC 7643 §2.3.8)`);
  if (type === 'complex' && !document.subAttributes?.length)
    problems.push(`"${path}": a complex attribute needs subAttributes`);
  if (type !== 'complex' && document.subAttributes)
    problems.push(`"${path}": only complex attributes have subAttributes`);
  if (document.referenceTypes && type !== 'reference')
    problems.push(`"${path}": only reference attributes have referenceTypes`);
  if (mutability === 'writeOnly' && returned !== 'never')
    problems.push(`"${path}": a writeOnly attribute is returned never (RFC 7643 §7)`);
  if (required && mutability === 'readOnly')
    problems.push(`"${path}": a readOnly attribute cannot be required; clients cannot set it`);
  if (uniqueness === 'global')
    problems.push(
      `"${path}": uniqueness "global" would compare values across tenants; use "server" (unique within the directory)`,
    );
  if (
    uniqueness === 'server' &&
    (sub || multiValued || type === 'complex' || type === 'boolean' || type === 'binary')
  ) {
    problems.push(
      `"${path}": uniqueness "server" is supported on singular top-level string, number, dateTime and reference attributes`,
    );
  }
  const subAttributes =
    type === 'complex' && document.subAttributes
      ? attributeList(document.subAttributes, `${path}.`, problems, MAX_SUB_ATTRIBUTES, true)
      : undefined;
  return {
    name: document.name,
    type,
    multiValued,
    description: document.description ?? '',
    required,
    caseExact: document.caseExact ?? false,
    mutability,
    returned,
    uniqueness,
    ...(document.canonicalValues ? { canonicalValues: [...document.canonicalValues] } : {}),
    ...(type === 'reference' ? { referenceTypes: [...(document.referenceTypes ?? ['external'])] } : {}),
    ...(subAttributes ? { subAttributes } : {}),
  };
}

/** The attribute `path` names if a directory can index it (singular leaf, or a singular complex's leaf). */
function indexable(
  attributes: readonly AttributeDefinition[],
  path: string,
): { path: string; definition: AttributeDefinition } | string {
  const [name, subName, ...more] = path.split('.');
  const find = (list: readonly AttributeDefinition[] | undefined, n: string | undefined) =>
    list?.find((a) => a.name.toLowerCase() === n?.toLowerCase());
  const attribute = find(attributes, name);
  if (!attribute || more.length > 0) return 'no such attribute in this schema';
  if (attribute.multiValued) return 'multi-valued attributes cannot be indexed';
  const leaf = subName === undefined ? attribute : find(attribute.subAttributes, subName);
  if (!leaf) return 'no such sub-attribute in this schema';
  if (leaf.type === 'complex') return 'name a sub-attribute of a complex attribute';
  if (leaf.type === 'binary') return 'binary attributes cannot be indexed';
  return {
    path: subName === undefined ? attribute.name : `${attribute.name}.${leaf.name}`,
    definition: leaf,
  };
}

/**
 * Why `next` cannot replace `current` without breaking resources already stored or clients already relying on
 * it; empty when it can. Compatible: new optional attributes and sub-attributes, `required` → not required,
 * mutability towards `readWrite`, `uniqueness` to `none`, and any change of description, `returned`,
 * `canonicalValues`, `referenceTypes` or `indexed`. Everything else changes what stored data means.
 */
export function incompatibleChanges(current: CustomSchema, next: CustomSchema): string[] {
  const problems: string[] = [];
  if (current.resourceType !== next.resourceType) problems.push('resourceType cannot change');
  if (!current.required && next.required) problems.push('an optional extension cannot become required');
  compareAttributes(current.definition.attributes, next.definition.attributes, '', problems);
  return problems;
}

function compareAttributes(
  before: readonly AttributeDefinition[],
  after: readonly AttributeDefinition[],
  prefix: string,
  problems: string[],
): void {
  const byName = new Map(after.map((a) => [a.name.toLowerCase(), a]));
  for (const was of before) {
    const path = `${prefix}${was.name}`;
    const is = byName.get(was.name.toLowerCase());
    if (!is) {
      problems.push(`"${path}" cannot be removed`);
      continue;
    }
    if (is.type !== was.type) problems.push(`"${path}": type cannot change`);
    if (is.multiValued !== was.multiValued) problems.push(`"${path}": multiValued cannot change`);
    if (is.caseExact !== was.caseExact) problems.push(`"${path}": caseExact cannot change`);
    if (is.required && !was.required)
      problems.push(`"${path}": an optional attribute cannot become required`);
    if (is.mutability !== was.mutability && is.mutability !== 'readWrite') {
      problems.push(`"${path}": mutability can only change to readWrite`);
    }
    if (is.uniqueness !== was.uniqueness && is.uniqueness !== 'none') {
      problems.push(`"${path}": uniqueness can only change to none`);
    }
    if (was.subAttributes && is.subAttributes) {
      compareAttributes(was.subAttributes, is.subAttributes, `${path}.`, problems);
    }
  }
  const known = new Set(before.map((a) => a.name.toLowerCase()));
  for (const added of after) {
    if (!known.has(added.name.toLowerCase()) && added.required) {
      problems.push(`"${prefix}${added.name}": a new attribute cannot be required; stored resources lack it`);
    }
  }
}

/** The attributes of `schema` whose values must be unique within the directory. */
export function uniqueAttributes(schema: CustomSchema): readonly AttributeDefinition[] {
  return schema.definition.attributes.filter((a) => a.uniqueness === 'server');
}
