// Property-based tests of the PATCH engine: whatever the operations, it fails only with a ScimError, never
// touches its input, and keeps the resource valid.
import fc from 'fast-check';
import { findAttribute } from './attributes.js';
import { describe, expect, test } from 'vitest';
import { ENTERPRISE_USER_SCHEMA, USER_RESOURCE_SCHEMAS } from './core-schemas.js';
import { RFC7643_USER } from './fixtures/rfc7643-user.js';
import type { PatchOperation } from './patch.js';
import { applyPatch } from './patch.js';
import { readTarget, resolveTarget } from './patch-target.js';
import { toCanonicalResource } from './resource.js';
import { ScimError } from './scim-error.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const BABS = deepFreeze(toCanonicalResource(RFC7643_USER, USER_RESOURCE_SCHEMAS, 'create').resource);

const PATHS = [
  'userName',
  'nickName',
  'TITLE',
  'active',
  'externalId',
  'name',
  'name.givenName',
  'Name.Formatted',
  'emails',
  'emails.value',
  'emails[type eq "work"]',
  'emails[type eq "work"].value',
  'emails[type eq "work" and value ew "example.com"]',
  'emails[value co "x" or not (primary eq true)].type',
  'addresses[type eq "home"].streetAddress',
  'roles[primary eq "True"].display',
  'phoneNumbers',
  'manager',
  'manager[value eq "m1"]',
  `${ENTERPRISE}:manager`,
  `${ENTERPRISE}:department`,
  ENTERPRISE,
  'id',
  'groups',
  'password',
  'shoeSize',
];

const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.constantFrom('True', 'false', '', 'work', 'm1', '2020-01-01T00:00:00Z'),
  fc.boolean(),
  fc.integer(),
  fc.constant(null),
);
const element = fc.record(
  { value: scalar, type: fc.constantFrom('work', 'home', 'Work'), primary: fc.oneof(fc.boolean(), scalar) },
  { requiredKeys: [] },
);
const value = fc.oneof(scalar, element, fc.array(element, { maxLength: 3 }));
const noPathValue = fc.dictionary(fc.oneof(fc.constantFrom(...PATHS), fc.string({ maxLength: 5 })), value, {
  maxKeys: 4,
});
const operation: fc.Arbitrary<PatchOperation> = fc.oneof(
  fc.record({
    op: fc.constantFrom('add' as const, 'replace' as const),
    path: fc.constantFrom(...PATHS),
    value,
  }),
  fc.record({ op: fc.constantFrom('add' as const, 'replace' as const), value: noPathValue }),
  fc.record({ op: fc.constant('remove' as const), path: fc.constantFrom(...PATHS) }),
  fc.record({ op: fc.constant('remove' as const), path: fc.constantFrom(...PATHS), value }),
);

function attempt(resource: Record<string, unknown>, operations: PatchOperation[]) {
  try {
    return applyPatch(resource, operations, USER_RESOURCE_SCHEMAS);
  } catch (error) {
    if (error instanceof ScimError) return undefined;
    throw error;
  }
}

describe('applyPatch properties', () => {
  test('any operations: only ScimErrors, the frozen input untouched, the result valid', () => {
    fc.assert(
      fc.property(fc.array(operation, { minLength: 1, maxLength: 6 }), (operations) => {
        const result = attempt(BABS, operations);
        if (!result) return;
        expect(typeof result.resource.userName).toBe('string');
        expect(result.resource).not.toHaveProperty('password');
        for (const [key, attribute] of Object.entries(result.resource)) {
          // Unknown attributes are kept as sent (lenient policy); RFC 7643 §2.4 binds the defined ones.
          if (!Array.isArray(attribute) || !findAttribute(USER_RESOURCE_SCHEMAS.core.attributes, key))
            continue;
          const primaries = attribute.filter((item: { primary?: unknown }) => item?.primary === true);
          expect(primaries.length).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });

  const singular = fc.oneof(
    fc.record({
      path: fc.constantFrom('nickName', 'title', 'name.givenName', `${ENTERPRISE}:department`),
      value: fc.string({ minLength: 1 }),
    }),
    fc.record({
      path: fc.constant('active'),
      value: fc.oneof(fc.boolean(), fc.constantFrom('True', 'FALSE')),
    }),
    fc.record({
      path: fc.constantFrom('manager', `${ENTERPRISE}:manager`),
      value: fc.string({ minLength: 1 }),
    }),
  );

  test('add of a singular attribute followed by its remove leaves it unset', () => {
    fc.assert(
      fc.property(singular, ({ path, value }) => {
        const { resource } = applyPatch(
          BABS,
          [
            { op: 'add', path, value },
            { op: 'remove', path },
          ],
          USER_RESOURCE_SCHEMAS,
        );
        const target = resolveTarget(USER_RESOURCE_SCHEMAS, path);
        const attribute = readTarget(resource, target) as Record<string, unknown> | undefined;
        expect(target.sub ? attribute?.[target.sub.name] : attribute).toBeUndefined();
      }),
    );
  });

  test('replace is idempotent', () => {
    // A filter with terms other than `eq` cannot describe the element to create, so a replace that makes the
    // element stop matching fails with noTarget the second time (RFC 7644 §3.5.2.3); those paths are left out.
    const paths = PATHS.filter((path) => !/ ew | co /.test(path));
    const replace = fc.oneof(
      fc.record({ op: fc.constant('replace' as const), path: fc.constantFrom(...paths), value }),
      fc.record({
        op: fc.constant('replace' as const),
        value: fc.dictionary(fc.constantFrom(...paths), value, { maxKeys: 4 }),
      }),
    );
    fc.assert(
      fc.property(replace, (op) => {
        // One value object naming the same attribute twice (`manager` and its URN-qualified name) is ambiguous:
        // its keys apply in order, so it is not a single replace and need not be idempotent.
        const keys = Object.keys(op.value ?? {}).map((k) => k.replace(/^urn:.*:User:/, ''));
        fc.pre(new Set(keys).size === keys.length);
        const once = attempt(BABS, [op]);
        fc.pre(once !== undefined);
        expect(applyPatch(once.resource, [op], USER_RESOURCE_SCHEMAS).resource).toStrictEqual(once.resource);
      }),
      { numRuns: 500 },
    );
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
