/**
 * The catalogue of request normalizations: each turns one thing an identity provider sends into canonical SCIM
 * before validation. Provider profiles (src/tenants/provider-profiles.ts) say which ones a directory applies; the
 * SCIM core asks a `Tolerance` before applying one and reports each application, so operators can see what their
 * IdP really sends (per-directory counters). `safe` ones never change what an RFC-conforming request means, so the
 * `generic` profile applies them too; the others depart from RFC 7644 and are applied only for the IdPs that need
 * them. References are to ../shared/IDP-QUIRKS.md.
 */

export const NORMALIZATIONS = {
  'patch-op-case': {
    safe: true,
    quirk: '§1 item 1',
    description: 'PATCH "op" values are matched case-insensitively ("Replace", "Add", "Remove").',
  },
  'patch-schemas-optional': {
    safe: true,
    quirk: '§1 item 10, §7',
    description: 'A PatchOp body without "schemas" is accepted.',
  },
  'string-booleans': {
    safe: true,
    quirk: '§1 item 2',
    description:
      'The strings "True"/"False" (any case) become booleans for boolean attributes, in POST, PUT and PATCH.',
  },
  'no-path-value-paths': {
    safe: true,
    quirk: '§1 item 3',
    description:
      'Keys of a no-path add/replace value that are paths ("name.givenName", a URN-qualified attribute) are applied as paths.',
  },
  'read-only-ignored': {
    safe: true,
    quirk: '§1 items 3 and 10',
    description:
      'Read-only "id" (when it names the resource itself), "meta", "groups" and "schemas" inside bodies and PATCH values are ignored.',
  },
  'member-remove-value-list': {
    safe: true,
    quirk: '§1 item 4',
    description:
      '"remove" with path "members" and a value list removes only the listed members (a literal RFC reading would empty the group).',
  },
  'remove-missing-target': {
    safe: true,
    quirk: '§11 item 2',
    description:
      'A "remove" whose filter matches nothing (a stale re-sent removal) succeeds and changes nothing instead of 400 noTarget.',
  },
  'unknown-members-skipped': {
    safe: true,
    quirk: '§11 item 3, §1 item 15',
    description:
      'Member ids that name no user or group in the directory are skipped, so one stale id does not fail a whole push.',
  },
  'complex-as-string': {
    safe: true,
    quirk: '§1 item 6',
    description:
      'A complex attribute with a "value" sub-attribute sent as a bare string ("manager": "id", "emails": ["a@x"]) is read as {"value": ...}.',
  },
  'manager-shapes': {
    safe: true,
    quirk: '§1 item 6',
    description:
      'A singular complex attribute sent as a one-element list (Entra\'s legacy "manager": [{...}]) and a filter on it ("manager[value eq \\"id\\"]") are accepted.',
  },
  'legacy-schema-urns': {
    safe: true,
    quirk: '§1 item 10',
    description:
      'Unknown or odd schema URNs in "schemas" (SCIM 1.1 core, the Microsoft ADSCIM group URN, "enterprise:2.0User") are tolerated.',
  },
  'single-object-as-list': {
    safe: true,
    quirk: '§1 item 10, §4',
    description:
      'A multi-valued attribute sent as one object ("emails": {...}) is read as a one-element list.',
  },
  'empty-string-as-unset': {
    safe: true,
    quirk: '§11 item 6',
    description:
      'An empty string means "not set" (Entra clears the manager with ""; OneLogin templates render unmapped fields as ""). Decided for every client (IDP-QUIRKS §11.6): a literal empty string cannot be stored.',
  },
  'value-filter-creates': {
    safe: false,
    quirk: '§1 item 5',
    description:
      'add/replace on a value-filtered path that matches nothing ("emails[type eq \\"work\\"].value") creates the element, seeded from the filter, where RFC 7644 §3.5.2.3 answers 400 noTarget.',
  },
} as const satisfies Record<string, { safe: boolean; quirk: string; description: string }>;

export type NormalizationName = keyof typeof NORMALIZATIONS;

export const NORMALIZATION_NAMES = Object.keys(NORMALIZATIONS) as NormalizationName[];

/**
 * What the SCIM core consults and reports to. `allows` answers whether a directory's profile applies a
 * normalization; `applied` and `ignored` record what happened (counters; never values, only names and paths).
 */
export type UnknownAttributePolicy = 'lenient' | 'strict';

export interface Tolerance {
  /** What happens to attributes no schema defines: kept as sent, or refused with 400. */
  readonly unknownAttributes: UnknownAttributePolicy;
  allows(name: NormalizationName): boolean;
  applied(name: NormalizationName): void;
  /** An input Roster did not understand (kept or refused per `unknownAttributes`), by attribute path. */
  ignored(path: string): void;
}

/** A tolerance that allows everything and records nothing (pure unit tests and internal callers). */
export const PERMISSIVE: Tolerance = {
  unknownAttributes: 'lenient',
  allows: () => true,
  applied: () => undefined,
  ignored: () => undefined,
};

/**
 * Applies a normalization when the tolerance allows it: returns whether it is allowed, and counts it. Call it
 * only once the input has been seen to need the normalization.
 */
export function tolerate(tolerance: Tolerance, name: NormalizationName): boolean {
  if (!tolerance.allows(name)) return false;
  tolerance.applied(name);
  return true;
}
