import { describe, expect, test } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  GROUP_SCHEMA,
  USER_RESOURCE_SCHEMAS,
  USER_SCHEMA,
} from './core-schemas.js';
import { RFC7643_USER } from './fixtures/rfc7643-user.js';
import type { MemberChange, PatchOperation } from './patch.js';
import { applyPatch, membershipChangesOf } from './patch.js';
import type { NormalizationName, Tolerance } from './normalizations.js';
import { toCanonicalResource } from './resource.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const BABS = toCanonicalResource(RFC7643_USER, USER_RESOURCE_SCHEMAS, 'create').resource;
const GROUP = { schemas: [GROUP_SCHEMA], displayName: 'Tour Guides' };
const BABS_ID = '2819c223-7f76-453a-919d-413861904646';
const MANDY_ID = '902c246b-6245-4190-8e05-00816be7344a';

const patchUser = (resource: Record<string, unknown>, ...operations: PatchOperation[]) =>
  applyPatch(resource, operations, USER_RESOURCE_SCHEMAS);
const patchGroup = (...operations: PatchOperation[]) => applyPatch(GROUP, operations, GROUP_RESOURCE_SCHEMAS);

describe('RFC 7644 §3.5.2 examples on Users', () => {
  test.each<[string, PatchOperation[], (resource: Record<string, unknown>) => void]>([
    [
      '§3.5.2.1 add without path',
      [{ op: 'add', value: { emails: [{ value: 'babs@jensen.org', type: 'home' }], nickname: 'Babsy' } }],
      (r) => {
        expect(r.nickName).toBe('Babsy');
        // The same email already exists: an add never duplicates it.
        expect(r.emails).toStrictEqual(BABS.emails);
      },
    ],
    [
      '§3.5.2.1 add to a multi-valued attribute appends',
      [{ op: 'add', path: 'emails', value: [{ value: 'new@example.com', type: 'other' }] }],
      (r) => expect(r.emails).toHaveLength(3),
    ],
    [
      '§3.5.2.2 remove emails[type eq "work" and value ew "example.com"]',
      [{ op: 'remove', path: 'emails[type eq "work" and value ew "example.com"]' }],
      (r) => expect(r.emails).toStrictEqual([{ value: 'babs@jensen.org', type: 'home' }]),
    ],
    [
      '§3.5.2.2 remove all x509Certificates',
      [{ op: 'remove', path: 'x509Certificates' }],
      (r) => expect(r).not.toHaveProperty('x509Certificates'),
    ],
    [
      '§3.5.2.3 replace addresses[type eq "work"]',
      [
        {
          op: 'replace',
          path: 'addresses[type eq "work"]',
          value: { type: 'work', streetAddress: '911 Universal City Plaza', primary: true },
        },
      ],
      (r) => {
        const addresses = r.addresses as Record<string, unknown>[];
        expect(addresses[0]).toStrictEqual({
          type: 'work',
          streetAddress: '911 Universal City Plaza',
          primary: true,
        });
        expect(addresses[1]).toMatchObject({ type: 'home' });
      },
    ],
    [
      '§3.5.2.3 replace addresses[type eq "work"].streetAddress',
      [{ op: 'replace', path: 'addresses[type eq "work"].streetAddress', value: '1010 Broadway Ave' }],
      (r) =>
        expect((r.addresses as unknown[])[0]).toMatchObject({
          streetAddress: '1010 Broadway Ave',
          locality: 'Hollywood',
        }),
    ],
    [
      '§3.5.2.3 replace without path replaces each named attribute',
      [
        {
          op: 'replace',
          value: {
            emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
            nickname: 'Babs',
          },
        },
      ],
      (r) => {
        expect(r.emails).toStrictEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]);
        expect(r.phoneNumbers).toStrictEqual(BABS.phoneNumbers);
      },
    ],
    [
      'replace emails[type eq "work"].value',
      [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'babs@work.example' }],
      (r) =>
        expect((r.emails as unknown[])[0]).toStrictEqual({
          value: 'babs@work.example',
          type: 'work',
          primary: true,
        }),
    ],
    [
      'replace on a complex attribute merges sub-attributes',
      [{ op: 'replace', path: 'name', value: { givenName: 'Babs' } }],
      (r) => expect(r.name).toMatchObject({ givenName: 'Babs', familyName: 'Jensen' }),
    ],
    [
      'remove a sub-attribute of matching elements',
      [{ op: 'remove', path: 'emails[type eq "work"].value' }],
      (r) => expect((r.emails as unknown[])[0]).toStrictEqual({ type: 'work', primary: true }),
    ],
    [
      'a new primary takes over (RFC 7643 §2.4)',
      [{ op: 'add', path: 'emails', value: [{ value: 'n@x', primary: 'True' }] }],
      (r) =>
        expect((r.emails as { primary?: boolean }[]).map((e) => e.primary)).toStrictEqual([
          false,
          undefined,
          true,
        ]),
    ],
    [
      'remove an extension attribute by URN path',
      [{ op: 'remove', path: `${ENTERPRISE}:manager` }],
      (r) => expect(r[ENTERPRISE]).not.toHaveProperty('manager'),
    ],
    [
      'remove the whole extension',
      [{ op: 'remove', path: ENTERPRISE }],
      (r) => {
        expect(r).not.toHaveProperty(ENTERPRISE);
        expect(r.schemas).toStrictEqual([USER_SCHEMA]);
      },
    ],
    [
      'remove with a value list removes only the listed elements (IDP-QUIRKS §1 item 4)',
      [{ op: 'remove', path: 'emails', value: [{ value: 'BABS@jensen.org' }] }],
      (r) => expect(r.emails).toStrictEqual([{ value: 'bjensen@example.com', type: 'work', primary: true }]),
    ],
    [
      'add of a single object to a multi-valued attribute (IDP-QUIRKS §10)',
      [{ op: 'add', path: 'phoneNumbers', value: { value: '555-0100', type: 'fax' } }],
      (r) => expect(r.phoneNumbers).toHaveLength(3),
    ],
    [
      'null in replace unsets a singular attribute (IDP-QUIRKS §11.6)',
      [{ op: 'replace', path: 'nickName', value: null }],
      (r) => expect(r).not.toHaveProperty('nickName'),
    ],
    [
      'remove through a filter matching nothing is a no-op (IDP-QUIRKS §11.2)',
      [{ op: 'remove', path: 'emails[type eq "pager"]' }],
      (r) => expect(r).toStrictEqual(BABS),
    ],
  ])('%s', (_name, operations, check) => {
    check(patchUser(BABS, ...operations).resource);
  });
});

test('a password path is returned, never stored', () => {
  const result = patchUser(BABS, { op: 'replace', path: 'PASSWORD', value: 'n3w' });
  expect(result.password).toBe('n3w');
  expect(result.resource).toStrictEqual(BABS);
});

describe('RFC 7644 §3.5.2 examples on Group members', () => {
  test.each<[string, PatchOperation[], MemberChange[]]>([
    [
      '§3.5.2.1 add a member',
      [
        {
          op: 'add',
          path: 'members',
          value: [
            { display: 'Babs Jensen', $ref: `https://example.com/v2/Users/${BABS_ID}`, value: BABS_ID },
          ],
        },
      ],
      [{ kind: 'add', members: [{ value: BABS_ID, display: 'Babs Jensen' }] }],
    ],
    [
      '§3.5.2.2 remove a member by filter',
      [{ op: 'remove', path: `members[value eq "${BABS_ID}"]` }],
      [{ kind: 'remove', values: [BABS_ID] }],
    ],
    ['§3.5.2.2 remove all members', [{ op: 'remove', path: 'members' }], [{ kind: 'removeAll' }]],
    [
      '§3.5.2.2 remove one member and add another',
      [
        { op: 'remove', path: `members[value eq "${BABS_ID}"]` },
        { op: 'add', path: 'members', value: [{ display: 'James Smith', value: '08e1d05d' }] },
      ],
      [
        { kind: 'remove', values: [BABS_ID] },
        { kind: 'add', members: [{ value: '08e1d05d', display: 'James Smith' }] },
      ],
    ],
    [
      '§3.5.2.3 replace all members',
      [{ op: 'replace', path: 'members', value: [{ value: BABS_ID, type: 'user' }, { value: MANDY_ID }] }],
      [{ kind: 'replace', members: [{ value: BABS_ID, type: 'User' }, { value: MANDY_ID }] }],
    ],
    [
      'remove several ids joined by or',
      [{ op: 'remove', path: `members[value eq "a" or value eq "b"]` }],
      [{ kind: 'remove', values: ['a', 'b'] }],
    ],
    [
      'add members through a no-path value',
      [{ op: 'add', value: { members: [{ value: 'a' }] } }],
      [{ kind: 'add', members: [{ value: 'a' }] }],
    ],
  ])('%s', (_name, operations, members) => {
    const result = patchGroup(...operations);
    expect(result.members).toStrictEqual(members);
    expect(result.resource).toStrictEqual(GROUP);
    // Member operations by path can be applied without the resource; a no-path value needs it.
    const alone = membershipChangesOf(operations, GROUP_RESOURCE_SCHEMAS, counting().tolerance);
    expect(alone?.changes).toStrictEqual(operations.every((o) => o.path) ? members : undefined);
  });
});

/** A tolerance that allows everything and records what it was told. */
function counting() {
  const applied: NormalizationName[] = [];
  const tolerance: Tolerance = {
    unknownAttributes: 'lenient',
    allows: () => true,
    applied: (name) => applied.push(name),
    ignored: () => undefined,
  };
  return { applied, tolerance };
}

describe('membershipChangesOf', () => {
  const ADD = { op: 'add', path: 'members', value: [{ value: BABS_ID }] } as const;

  test('is undefined when any operation touches more than members, or would be refused', () => {
    for (const other of [
      { op: 'replace', path: 'displayName', value: 'Renamed' },
      { op: 'add', value: { displayName: 'Renamed' } },
      { op: 'replace', path: 'members.value', value: 'x' },
      { op: 'add', path: 'members', value: [{ display: 'no value' }] },
      { op: 'add', path: 'nonsense', value: 1 },
    ] as PatchOperation[]) {
      const { applied, tolerance } = counting();
      expect(membershipChangesOf([ADD, other], GROUP_RESOURCE_SCHEMAS, tolerance)).toBeUndefined();
      expect(applied).toEqual([]);
    }
  });

  test('counts what it tolerated only when the caller says the changes were applied', () => {
    const valueList = { op: 'remove', path: 'members', value: [{ value: BABS_ID }] } as const;
    const kept = counting();
    const alone = membershipChangesOf([valueList], GROUP_RESOURCE_SCHEMAS, kept.tolerance);
    expect(alone?.changes).toStrictEqual([{ kind: 'remove', values: [BABS_ID] }]);
    expect(kept.applied).toEqual([]);
    alone?.count();
    expect(kept.applied).toEqual(['member-remove-value-list']);
    const dropped = counting();
    const rename = { op: 'replace', path: 'displayName', value: 'x' } as const;
    expect(
      membershipChangesOf([valueList, rename], GROUP_RESOURCE_SCHEMAS, dropped.tolerance),
    ).toBeUndefined();
    expect(dropped.applied).toEqual([]);
  });
});
