/**
 * Group `members` (RFC 7643 §4.2). Membership lives in its own table, not in the resource JSON, so the PATCH
 * engine turns member operations into `MemberChange`s that the caller applies in order. A member is its `value`
 * (the member's id), optional `type`, and the `display` label the client sent, if any (Okta and Microsoft read
 * it back; without one the server shows the member's own name). `$ref` is derived from the id (Entra sends
 * `"$ref": null`, Keycloak a relative `$ref`; both are ignored).
 */
import type { ValueFilter } from './filter/ast.js';
import type { NormalizeContext } from './attribute-values.js';
import { isJsonObject, normalizeElement } from './attribute-values.js';
import type { AttributeDefinition } from './schema-model.js';
import { ScimError } from './scim-error.js';

/** A group member as stored: the member's id and, when the client said, whether it is a User or a Group. */
export interface Member {
  readonly value: string;
  readonly type?: 'User' | 'Group';
  /**
   * The client's label for the member, kept as sent: Okta sends the user's email here and reads it back, and
   * Microsoft's test collection sends it as `displayName`. Without one the server shows the member's own name.
   */
  readonly display?: string;
}

/** One change to a group's membership table, in operation order. */
export type MemberChange =
  | { readonly kind: 'add'; readonly members: readonly Member[] }
  | { readonly kind: 'remove'; readonly values: readonly string[] }
  | { readonly kind: 'removeAll' }
  | { readonly kind: 'replace'; readonly members: readonly Member[] };

/** Whether this top-level attribute is a Group's membership (stored in a table, never in the JSON). */
export const isMembership = (attribute: AttributeDefinition): boolean =>
  attribute.name === 'members' && attribute.multiValued && attribute.type === 'complex';

/**
 * A `members` value as a list of distinct members; a single object is wrapped (IDP-QUIRKS §10). Each element
 * needs a `value` (RFC 7643 §4.2), else `ScimError.invalidValue`.
 */
export function normalizeMembers(
  definition: AttributeDefinition,
  value: unknown,
  path: string,
  context: NormalizeContext,
): Member[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  const byValue = new Map<string, Member>();
  list.forEach((raw, index) => {
    const element = normalizeElement(definition, raw, `${path}[${index}]`, context);
    const id = isJsonObject(element) ? element.value : undefined;
    if (typeof id !== 'string') throw ScimError.invalidValue(`${path}[${index}].value is required`);
    const type = isJsonObject(element) ? element.type : undefined;
    const display = displayOf(raw);
    byValue.set(id, {
      value: id,
      ...(type === 'User' || type === 'Group' ? { type } : {}),
      ...(display !== undefined ? { display } : {}),
    });
  });
  return [...byValue.values()];
}

/**
 * The member ids named by a `members[...]` filter: `value eq "a"`, or several joined by `or` (RFC 7644
 * §3.5.2.2, Okta's and Entra's filtered remove). Membership is not in memory, so nothing else is supported.
 */
export function memberValuesOf(filter: ValueFilter): string[] {
  if (filter.kind === 'logical' && filter.op === 'or') {
    return [...memberValuesOf(filter.left), ...memberValuesOf(filter.right)];
  }
  if (
    filter.kind === 'compare' &&
    filter.op === 'eq' &&
    filter.path.name.toLowerCase() === 'value' &&
    typeof filter.value === 'string'
  ) {
    return [filter.value];
  }
  throw ScimError.invalidFilter('a members filter may only compare value with eq, joined by or');
}

function displayOf(raw: unknown): string | undefined {
  if (!isJsonObject(raw)) return undefined;
  const key = Object.keys(raw).find(
    (k) => k.toLowerCase() === 'display' || k.toLowerCase() === 'displayname',
  );
  const value = key === undefined ? undefined : raw[key];
  return typeof value === 'string' && value.trim() !== '' ? value.slice(0, 1000) : undefined;
}
