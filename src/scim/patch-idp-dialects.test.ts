// PATCH bodies as Entra, Okta, JumpCloud, authentik and Rauthy send them (IDP-QUIRKS.md §1-§8).
import { describe, expect, test } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  GROUP_SCHEMA,
  USER_RESOURCE_SCHEMAS,
  USER_SCHEMA,
} from './core-schemas.js';
import type { MemberChange } from './patch.js';
import { applyPatch, parsePatchRequest } from './patch.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const USER = {
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName: 'bjensen',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ value: 'b@home.example', type: 'home' }],
  [ENTERPRISE]: { manager: { value: 'm1' } },
};
const GROUP = { schemas: [GROUP_SCHEMA], displayName: 'Tour Guides', externalId: 'e1' };

const patch = (resource: Record<string, unknown>, operations: unknown[], group = false) =>
  applyPatch(
    resource,
    parsePatchRequest({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations }),
    group ? GROUP_RESOURCE_SCHEMAS : USER_RESOURCE_SCHEMAS,
  );

describe('Users', () => {
  test.each<[string, unknown[], Record<string, unknown>]>([
    [
      'entra: disables with the string "False"',
      [{ op: 'Replace', path: 'active', value: 'False' }],
      { active: false },
    ],
    ['keycloak: replace active "true"', [{ op: 'replace', path: 'active', value: 'true' }], { active: true }],
    [
      'okta: deactivates with a no-path replace',
      [{ op: 'replace', value: { active: false } }],
      { active: false },
    ],
    [
      'entra aadOptscim062020: no-path replace whose keys are paths',
      [
        {
          op: 'replace',
          value: {
            displayName: 'Babs',
            'name.givenName': 'Babs',
            'name.familyName': 'J',
            [`${ENTERPRISE}:employeeNumber`]: '42',
          },
        },
      ],
      {
        displayName: 'Babs',
        name: { givenName: 'Babs', familyName: 'J' },
        [ENTERPRISE]: { manager: { value: 'm1' }, employeeNumber: '42' },
      },
    ],
    [
      'entra: adds manager as a bare string',
      [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm2' }],
      { [ENTERPRISE]: { manager: { value: 'm2' } } },
    ],
    [
      'entra example 5: path manager without URN and an array value',
      [{ op: 'Add', path: 'manager', value: [{ $ref: '../Users/m3', value: 'm3' }] }],
      { [ENTERPRISE]: { manager: { value: 'm3', $ref: '../Users/m3' } } },
    ],
    [
      'entra: creates the work address through its filter',
      [{ op: 'Add', path: 'addresses[type eq "work"].streetAddress', value: '1 Main St' }],
      { addresses: [{ type: 'work', streetAddress: '1 Main St' }] },
    ],
    [
      'entra: replace emails[type eq "work"].value creates the work email',
      [{ op: 'Replace', path: 'emails[type eq "work"].Value', value: 'b@work.example' }],
      {
        emails: [
          { value: 'b@home.example', type: 'home' },
          { type: 'work', value: 'b@work.example' },
        ],
      },
    ],
    [
      'entra validator: roles[primary eq "True"].display creates a primary role',
      [{ op: 'add', path: 'roles[primary eq "True"].display', value: 'Admin' }],
      { roles: [{ primary: true, display: 'Admin' }] },
    ],
    [
      'entra: updates a work email in place, never appends a second one',
      [
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'one@work' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'two@work' },
      ],
      {
        emails: [
          { value: 'b@home.example', type: 'home' },
          { type: 'work', value: 'two@work' },
        ],
      },
    ],
  ])('%s', (_name, operations, expected) => {
    expect(patch(USER, operations).resource).toMatchObject(expected);
  });

  test.each<[string, unknown[]]>([
    [
      'entra validator: replace manager with ""',
      [{ op: 'replace', path: `${ENTERPRISE}:manager`, value: '' }],
    ],
    ['entra: remove manager[value eq "m1"] without URN', [{ op: 'remove', path: 'manager[value eq "m1"]' }]],
  ])('%s clears the manager', (_name, operations) => {
    const { resource } = patch(USER, operations);
    expect(resource).not.toHaveProperty(ENTERPRISE);
    expect(resource.schemas).toStrictEqual([USER_SCHEMA]);
  });

  test('entra: a manager set with $ref and then replaced by a bare id keeps no $ref of the previous manager', () => {
    const { resource } = patch(USER, [
      { op: 'Add', path: 'manager', value: [{ $ref: '../Users/m3', value: 'm3' }] },
      { op: 'Replace', path: `${ENTERPRISE}:manager`, value: 'm4' },
    ]);
    expect(resource[ENTERPRISE]).toStrictEqual({ manager: { value: 'm4' } });
  });

  test('a complex value naming the same resource keeps the sub-attributes it does not mention', () => {
    const { resource } = patch(USER, [
      { op: 'Add', path: 'manager', value: [{ $ref: '../Users/m1', value: 'm1' }] },
      { op: 'Replace', path: `${ENTERPRISE}:manager`, value: { value: 'm1' } },
    ]);
    expect(resource[ENTERPRISE]).toStrictEqual({ manager: { value: 'm1', $ref: '../Users/m1' } });
  });

  test('entra: manager[value eq "other"] leaves a different manager alone', () => {
    expect(patch(USER, [{ op: 'remove', path: 'manager[value eq "other"]' }]).resource).toStrictEqual(USER);
  });

  test('okta: a password in a no-path value is returned, never stored; an unknown key is kept', () => {
    const result = patch(USER, [
      { op: 'replace', value: { password: 'secret', id: 'x', meta: {}, custom: 1 } },
    ]);
    expect(result.password).toBe('secret');
    expect(result.resource).toStrictEqual({ ...USER, custom: 1 });
    expect(result.ignored).toStrictEqual(['custom']);
  });

  test('entra validator: remove, add and replace of externalId apply in order', () => {
    const { resource } = patch({ ...USER, externalId: 'a' }, [
      { op: 'remove', path: 'externalId' },
      { op: 'add', path: 'externalId', value: 'b' },
      { op: 'replace', path: 'externalId', value: 'c' },
    ]);
    expect(resource.externalId).toBe('c');
  });
});

describe('Groups', () => {
  test.each<[string, unknown[], MemberChange[], Record<string, unknown>]>([
    [
      'entra: removes only the members listed in value',
      [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
      [{ kind: 'remove', values: ['u1', 'u2'] }],
      GROUP,
    ],
    [
      'entra: adds members with a null $ref',
      [
        {
          op: 'Add',
          path: 'members',
          value: [
            { $ref: null, value: 'u1' },
            { $ref: null, value: 'u2' },
          ],
        },
      ],
      [{ kind: 'add', members: [{ value: 'u1' }, { value: 'u2' }] }],
      GROUP,
    ],
    [
      'okta: renames with its own id in the value and keeps members',
      [{ op: 'replace', value: { id: 'g1', displayName: 'Guides' } }],
      [],
      { ...GROUP, displayName: 'Guides' },
    ],
    [
      'okta: membership delta in one request',
      [
        { op: 'remove', path: 'members[value eq "u1"]' },
        { op: 'add', path: 'members', value: [{ value: 'u3', display: 'Three' }] },
      ],
      [
        { kind: 'remove', values: ['u1'] },
        { kind: 'add', members: [{ value: 'u3', display: 'Three' }] },
      ],
      GROUP,
    ],
    [
      'rauthy: unlink with externalId null',
      [{ op: 'replace', value: { displayName: 'Tour Guides', externalId: null } }],
      [],
      { schemas: [GROUP_SCHEMA], displayName: 'Tour Guides' },
    ],
    [
      'authentik: no-path replace with the whole group, schemas and id',
      [{ op: 'replace', value: { schemas: [GROUP_SCHEMA], id: 'g1', displayName: 'X', externalId: 'e2' } }],
      [],
      { schemas: [GROUP_SCHEMA], displayName: 'X', externalId: 'e2' },
    ],
    [
      'keycloak: remove members without value clears the group',
      [{ op: 'remove', path: 'members' }],
      [{ kind: 'removeAll' }],
      GROUP,
    ],
  ])('%s', (_name, operations, members, resource) => {
    const result = patch(GROUP, operations, true);
    expect(result.members).toStrictEqual(members);
    expect(result.resource).toStrictEqual(resource);
  });

  test('authentik: a PatchOp without schemas is accepted', () => {
    const operations = parsePatchRequest({
      Operations: [{ op: 'add', path: 'members', value: [{ value: 'u1' }] }],
    });
    expect(applyPatch(GROUP, operations, GROUP_RESOURCE_SCHEMAS).members).toStrictEqual([
      { kind: 'add', members: [{ value: 'u1' }] },
    ]);
  });
});
