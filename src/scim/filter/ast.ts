/**
 * The SCIM filter AST (RFC 7644 §3.4.2.2). Every node is an immutable plain object with a `kind` discriminant.
 * Attribute names keep the case they were sent in (RFC 7643 §2.1: names are case-insensitive, so the consumer
 * resolves them against the schema); operators are lowercased. Parentheses leave no trace: `(a pr)` is `a pr`.
 *
 * Inside a value path (`emails[type eq "work"]`) the filter is a `ValueFilter`: it cannot contain another value
 * path (RFC 7644 errata 4690), and its attribute paths are bare sub-attribute names of the bracketed attribute
 * (`{ name: 'type' }`), never schema-qualified and never with a `subAttribute`.
 */

/** `[schema ":"] name ["." subAttribute]`, e.g. `urn:...:enterprise:2.0:User:manager.value`. */
export interface AttributePath {
  /** The schema URN as given, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`; absent when not qualified. */
  readonly schema?: string;
  readonly name: string;
  readonly subAttribute?: string;
}

/** RFC 7644 §3.4.2.2 Table 3, lowercased. */
export const COMPARE_OPS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOp = (typeof COMPARE_OPS)[number];

/** A JSON literal (RFC 7644 §3.4.2.2 `compValue`): dates travel as strings. */
export type CompareValue = string | number | boolean | null;

export type LogicalOp = 'and' | 'or';

/** `path op value`, e.g. `userName eq "bjensen"`. */
export interface CompareFilter {
  readonly kind: 'compare';
  readonly path: AttributePath;
  readonly op: CompareOp;
  readonly value: CompareValue;
}

/** `path pr`: the attribute has a non-empty value. */
export interface PresentFilter {
  readonly kind: 'present';
  readonly path: AttributePath;
}

/** `left and right`, `left or right`; `F` is the kind of filter allowed below (top-level or value filter). */
export interface LogicalFilter<F = Filter> {
  readonly kind: 'logical';
  readonly op: LogicalOp;
  readonly left: F;
  readonly right: F;
}

/** `not (filter)`. */
export interface NotFilter<F = Filter> {
  readonly kind: 'not';
  readonly filter: F;
}

/** `path[filter]`: some value of the multi-valued (or complex) attribute `path` matches `filter`. */
export interface ValuePathFilter {
  readonly kind: 'valuePath';
  /** Never has a `subAttribute`: a value filter applies to the attribute itself. */
  readonly path: AttributePath;
  readonly filter: ValueFilter;
}

/** A filter as accepted by `?filter=` and `/.search`. */
export type Filter = CompareFilter | PresentFilter | LogicalFilter | NotFilter | ValuePathFilter;

/** A filter inside `[...]`: no nested value paths, and paths are bare sub-attribute names. */
export type ValueFilter = CompareFilter | PresentFilter | LogicalFilter<ValueFilter> | NotFilter<ValueFilter>;
