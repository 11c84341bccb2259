/**
 * The normalized directory model the app reads: whatever request shape an identity provider used, a user or a
 * group comes out the same. Pure functions of the stored canonical SCIM resource, so the same logical state
 * always yields the same normalized state, and a write's events are the difference between two of them.
 */
import { isJsonObject, jsonEqual } from '../scim/attribute-values.js';
import { type AttributeMapping, customAttributesOf } from './attribute-mapping.js';

export interface DirectoryEmail {
  readonly value: string;
  readonly type: string | null;
  readonly primary: boolean;
}

/** The normalized fields of a user that events report and `user.updated.previous` diffs. */
export interface NormalizedUser {
  readonly externalId: string | null;
  readonly userName: string;
  /** The primary email, else the first one, else null. */
  readonly email: string | null;
  readonly emails: readonly DirectoryEmail[];
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly displayName: string | null;
  readonly state: 'active' | 'inactive';
  /**
   * Every name of the directory's attribute mapping with its effective value (null when absent): the IdP's
   * value, or for an app-owned name the app's own value when it has set one (docs/attribute-mapping.md).
   */
  readonly customAttributes: Readonly<Record<string, unknown>>;
  /** For app-owned names only: what the IdP last sent (null when nothing), whatever the app set. */
  readonly idpAttributes: Readonly<Record<string, unknown>>;
  /** Roles granted from group mappings (a later issue); empty until mapped. */
  readonly roles: readonly string[];
}

export interface NormalizedGroup {
  readonly externalId: string | null;
  readonly name: string;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * The normalized user of a stored resource under the directory's attribute mapping; `appAttributes` are the app's
 * own values (`scim_users.app_attributes`), which only names the mapping declares app-owned read.
 */
export function normalizeUser(
  resource: Readonly<Record<string, unknown>>,
  mapping: AttributeMapping,
  appAttributes: Readonly<Record<string, unknown>> = {},
): NormalizedUser {
  const name = isJsonObject(resource.name) ? resource.name : {};
  const emails: DirectoryEmail[] = (Array.isArray(resource.emails) ? resource.emails : [])
    .filter(isJsonObject)
    .map((e) => ({ value: text(e.value), type: text(e.type), primary: e.primary === true }))
    .filter((e): e is DirectoryEmail => e.value !== null);
  const email = (emails.find((e) => e.primary) ?? emails[0])?.value ?? null;
  const firstName = text(name.givenName);
  const lastName = text(name.familyName);
  return {
    externalId: text(resource.externalId),
    userName: text(resource.userName) ?? '',
    email,
    emails,
    firstName,
    lastName,
    displayName:
      text(resource.displayName) ??
      text(name.formatted) ??
      ([firstName, lastName].filter(Boolean).join(' ') || null),
    // RFC 7643 §4.1.1: `active` absent means the IdP never said; Roster treats that as active.
    state: resource.active === false ? 'inactive' : 'active',
    ...mappedAttributes(resource, mapping, appAttributes),
    roles: [],
  };
}

function mappedAttributes(
  resource: Readonly<Record<string, unknown>>,
  mapping: AttributeMapping,
  appAttributes: Readonly<Record<string, unknown>>,
): Pick<NormalizedUser, 'customAttributes' | 'idpAttributes'> {
  const fromIdp = customAttributesOf(resource, mapping);
  const customAttributes = { ...fromIdp };
  const idpAttributes: Record<string, unknown> = {};
  for (const { name, owner } of mapping) {
    if (owner !== 'app') continue;
    idpAttributes[name] = fromIdp[name];
    const own = Object.hasOwn(appAttributes, name) ? appAttributes[name] : undefined;
    if (own !== undefined && own !== null) customAttributes[name] = own;
  }
  return { customAttributes, idpAttributes };
}

export function normalizeGroup(resource: Readonly<Record<string, unknown>>): NormalizedGroup {
  return { externalId: text(resource.externalId), name: text(resource.displayName) ?? '' };
}

/**
 * The fields of `before` that differ in `after`, with their old values (what `previous` carries). `exclude`
 * names fields reported by their own events (a user's `state`).
 */
export function changedFields<T extends object>(
  before: T,
  after: T,
  exclude: readonly (keyof T)[] = [],
): Partial<T> {
  const previous: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (exclude.includes(key)) continue;
    if (!jsonEqual(before[key], after[key])) previous[key] = before[key];
  }
  return previous;
}
