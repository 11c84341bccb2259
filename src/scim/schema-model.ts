/**
 * The SCIM schema model of RFC 7643 §7: a schema is a list of attribute definitions, each carrying the
 * characteristics of RFC 7643 §2.2 (mutability, returned, uniqueness, ...). A resource type (RFC 7643 §6) names
 * one base schema and any schema extensions. These are plain immutable values; the data lives in
 * `core-schemas.ts`.
 */

/** RFC 7643 §2.3 data types. */
export type AttributeType =
  'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';

/** RFC 7643 §7 `mutability`. */
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';

/** RFC 7643 §7 `returned`. */
export type Returned = 'always' | 'never' | 'default' | 'request';

/** RFC 7643 §7 `uniqueness`. */
export type Uniqueness = 'none' | 'server' | 'global';

/** An attribute definition (RFC 7643 §7, `attributes`), with every characteristic spelled out. */
export interface AttributeDefinition {
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly description: string;
  readonly required: boolean;
  readonly caseExact: boolean;
  readonly mutability: Mutability;
  readonly returned: Returned;
  readonly uniqueness: Uniqueness;
  readonly canonicalValues?: readonly string[];
  /** Only for `type: 'reference'`: resource type names, `external` or `uri` (RFC 7643 §7). */
  readonly referenceTypes?: readonly string[];
  /** Only for `type: 'complex'`; sub-attributes are never complex themselves (RFC 7643 §2.3.8). */
  readonly subAttributes?: readonly AttributeDefinition[];
}

/** A schema (RFC 7643 §7); `id` is its URN. */
export interface SchemaDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly attributes: readonly AttributeDefinition[];
}

/** An entry of a resource type's `schemaExtensions` (RFC 7643 §6). */
export interface SchemaExtension {
  readonly schema: string;
  readonly required: boolean;
}

/** A resource type (RFC 7643 §6). */
export interface ResourceTypeDefinition {
  readonly id: string;
  readonly name: string;
  readonly endpoint: string;
  readonly description: string;
  readonly schema: string;
  readonly schemaExtensions: readonly SchemaExtension[];
}

/** The schemas one resource type's resources are made of: its base schema and its extensions. */
export interface ResourceSchemas {
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
  /** URNs of the extensions every resource must carry (RFC 7643 §6 `schemaExtensions[].required`). */
  readonly requiredExtensions?: readonly string[];
}
