import { describe, expect, test } from 'vitest';
import { scimErrorOf } from './fixtures/scim-error-of.js';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  GROUP_SCHEMA,
  USER_RESOURCE_SCHEMAS,
  USER_SCHEMA,
} from './core-schemas.js';
import { RFC7643_USER } from './fixtures/rfc7643-user.js';
import { PERMISSIVE } from './normalizations.js';
import { assertImmutableUnchanged, toCanonicalResource } from './resource.js';
import type { ResourceSchemas } from './schema-model.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const user = (body: Record<string, unknown>) => toCanonicalResource(body, USER_RESOURCE_SCHEMAS, 'create');
const group = (body: Record<string, unknown>) => toCanonicalResource(body, GROUP_RESOURCE_SCHEMAS, 'create');

describe('toCanonicalResource', () => {
  test('RFC 7643 §8.2/§8.3 full user keeps everything but id, meta, groups and readOnly sub-attributes', () => {
    const { resource, ignored } = user(RFC7643_USER);
    expect(resource).not.toHaveProperty('id');
    expect(resource).not.toHaveProperty('meta');
    expect(resource).not.toHaveProperty('groups');
    expect(resource.schemas).toStrictEqual([USER_SCHEMA, ENTERPRISE]);
    expect(resource.userName).toBe('bjensen@example.com');
    expect(resource[ENTERPRISE]).toMatchObject({
      employeeNumber: '701984',
      manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' },
    });
    expect((resource[ENTERPRISE] as Record<string, unknown>).manager).not.toHaveProperty('displayName');
    expect(ignored).toStrictEqual([]);
  });

  test.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    [
      'names are case-insensitive',
      { USERNAME: 'a', Name: { GivenName: 'B' } },
      { userName: 'a', name: { givenName: 'B' } },
    ],
    ['IDP-QUIRKS §1.2 string booleans', { userName: 'a', active: 'False' }, { userName: 'a', active: false }],
    [
      'string booleans in sub-attributes',
      { userName: 'a', roles: [{ value: 'r', primary: 'True' }] },
      { userName: 'a', roles: [{ value: 'r', primary: true }] },
    ],
    [
      'IDP-QUIRKS §10 emails as an object',
      { userName: 'a', emails: { value: 'a@x', type: 'work' } },
      { userName: 'a', emails: [{ value: 'a@x', type: 'work' }] },
    ],
    [
      'null and "" are unset',
      { userName: 'a', title: null, nickName: '', addresses: null, phoneNumbers: [] },
      { userName: 'a' },
    ],
    [
      'RFC 7643 §2.4 one primary: the first wins',
      {
        userName: 'a',
        emails: [
          { value: '1', primary: true },
          { value: '2', primary: 'true' },
        ],
      },
      {
        userName: 'a',
        emails: [
          { value: '1', primary: true },
          { value: '2', primary: false },
        ],
      },
    ],
    [
      'readOnly attributes are dropped',
      { userName: 'a', id: 'x', meta: { resourceType: 'User' }, groups: [{ value: 'g' }] },
      { userName: 'a' },
    ],
    [
      'numbers become strings for string attributes',
      { userName: 'a', externalId: 42 },
      { userName: 'a', externalId: '42' },
    ],
  ])('%s', (_name, body, expected) => {
    expect(user(body).resource).toStrictEqual({ schemas: [USER_SCHEMA], ...expected });
  });

  test.each<[string, unknown, unknown]>([
    ['bare string id', 'm1', { value: 'm1' }],
    ['object', { value: 'm1', displayName: 'Boss' }, { value: 'm1' }],
    ['Entra legacy array', [{ value: 'm1', $ref: '../Users/m1' }], { value: 'm1', $ref: '../Users/m1' }],
    ['"" clears it', '', undefined],
    ['empty value clears it (OneLogin)', { value: '', displayName: ' ' }, undefined],
  ])('IDP-QUIRKS §1.6 enterprise manager as %s', (_name, manager, expected) => {
    const { resource } = user({ userName: 'a', [ENTERPRISE]: { manager, department: 'D' } });
    expect((resource[ENTERPRISE] as Record<string, unknown>).manager).toStrictEqual(expected);
  });

  test('extension attributes sit under their URN and add the URN to schemas; odd URNs are tolerated', () => {
    const { resource } = user({
      schemas: ['urn:scim:schemas:core:1.0', `${ENTERPRISE.slice(0, -5)}2.0User`],
      userName: 'a',
      [ENTERPRISE.toUpperCase()]: { DEPARTMENT: 'Sales' },
    });
    expect(resource).toStrictEqual({
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: 'a',
      [ENTERPRISE]: { department: 'Sales' },
    });
  });

  test('an empty extension object is left out', () => {
    const { resource } = user({ userName: 'a', [ENTERPRISE]: { department: null, manager: null } });
    expect(resource).toStrictEqual({ schemas: [USER_SCHEMA], userName: 'a' });
  });

  test('unknown attributes are kept as sent and reported (Rauthy custom, Entra top-level department)', () => {
    const result = user({
      userName: 'a',
      custom: { x: 1 },
      department: 'D',
      emails: [{ value: 'e', foo: 1 }],
    });
    expect(result.resource).toStrictEqual({
      schemas: [USER_SCHEMA],
      userName: 'a',
      custom: { x: 1 },
      department: 'D',
      emails: [{ value: 'e', foo: 1 }],
    });
    expect(result.ignored).toStrictEqual(['custom', 'department', 'emails[0].foo']);
  });

  test('a strict directory refuses an unknown attribute with invalidSyntax naming it', () => {
    const strict = { ...PERMISSIVE, unknownAttributes: 'strict' as const };
    const error = scimErrorOf(() =>
      toCanonicalResource(
        { userName: 'a', emails: [{ value: 'e', foo: 1 }] },
        USER_RESOURCE_SCHEMAS,
        'create',
        strict,
      ),
    );
    expect(error.scimType).toBe('invalidSyntax');
    expect(error.detail).toContain('emails[0].foo');
  });

  test('a profile without a normalization refuses what it would have fixed', () => {
    const only = (name: string) => ({ ...PERMISSIVE, allows: (n: string) => n !== name });
    const error = scimErrorOf(() =>
      toCanonicalResource(
        { userName: 'a', active: 'False' },
        USER_RESOURCE_SCHEMAS,
        'create',
        only('string-booleans'),
      ),
    );
    expect(error.scimType).toBe('invalidValue');
    expect(
      toCanonicalResource({ userName: 'a', active: 'False' }, USER_RESOURCE_SCHEMAS, 'create').resource
        .active,
    ).toBe(false);
  });

  test('password is returned separately, never in the resource', () => {
    const result = user({ userName: 'a', password: 't1meMachine' });
    expect(result.resource).not.toHaveProperty('password');
    expect(result.password).toBe('t1meMachine');
    expect(user({ userName: 'a' })).not.toHaveProperty('password');
  });

  test("Group members keep value, type and the client's display; $ref is dropped; the last duplicate wins", () => {
    const { resource } = group({
      schemas: [GROUP_SCHEMA, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: 'Tour Guides',
      members: [
        { value: 'u1', $ref: 'Users/u1', type: 'user' },
        { value: 'g1', type: 'Group', display: 'Guides' },
        { value: 'u2', $ref: null },
        { value: 'u1', type: 'User', display: 'Babs' },
      ],
    });
    expect(resource).toStrictEqual({
      schemas: [GROUP_SCHEMA],
      displayName: 'Tour Guides',
      members: [
        { value: 'u1', type: 'User', display: 'Babs' },
        { value: 'g1', type: 'Group', display: 'Guides' },
        { value: 'u2' },
      ],
    });
  });

  test.each<[string, ResourceSchemas, unknown, string, string]>([
    ['not an object', USER_RESOURCE_SCHEMAS, [], 'invalidSyntax', 'JSON object'],
    ['null', USER_RESOURCE_SCHEMAS, null, 'invalidSyntax', 'JSON object'],
    [
      'missing userName',
      USER_RESOURCE_SCHEMAS,
      { name: { givenName: 'x' } },
      'invalidValue',
      'userName is required',
    ],
    ['empty userName', USER_RESOURCE_SCHEMAS, { userName: '' }, 'invalidValue', 'userName is required'],
    [
      'missing displayName',
      GROUP_RESOURCE_SCHEMAS,
      { members: [] },
      'invalidValue',
      'displayName is required',
    ],
    [
      'boolean as "yes"',
      USER_RESOURCE_SCHEMAS,
      { userName: 'a', active: 'yes' },
      'invalidValue',
      'active must be a boolean',
    ],
    [
      'userName as object',
      USER_RESOURCE_SCHEMAS,
      { userName: { a: 1 } },
      'invalidValue',
      'userName must be a string',
    ],
    [
      'name as string',
      USER_RESOURCE_SCHEMAS,
      { userName: 'a', name: 'Babs' },
      'invalidValue',
      'name must be a complex value',
    ],
    [
      'sub-attribute type',
      USER_RESOURCE_SCHEMAS,
      { userName: 'a', emails: [{ value: 'e', primary: 3 }] },
      'invalidValue',
      'emails[0].primary',
    ],
    [
      'member without value',
      GROUP_RESOURCE_SCHEMAS,
      { displayName: 'g', members: [{ display: 'x' }] },
      'invalidValue',
      'members[0].value is required',
    ],
    [
      'member of unknown type',
      GROUP_RESOURCE_SCHEMAS,
      { displayName: 'g', members: [{ value: 'x', type: 'Robot' }] },
      'invalidValue',
      'Robot',
    ],
    [
      'extension not an object',
      USER_RESOURCE_SCHEMAS,
      { userName: 'a', [ENTERPRISE]: 'x' },
      'invalidValue',
      ENTERPRISE,
    ],
  ])('rejects %s', (_name, schemas, body, scimType, detail) => {
    const error = scimErrorOf(() => toCanonicalResource(body, schemas, 'replace'));
    expect(error.scimType).toBe(scimType);
    expect(error.detail).toContain(detail);
  });

  test('never mutates its input', () => {
    const body = { userName: 'a', emails: { value: 'e', primary: 'True' } };
    const copy = structuredClone(body);
    user(body);
    expect(body).toStrictEqual(copy);
  });
});

describe('assertImmutableUnchanged', () => {
  const schemas: ResourceSchemas = {
    core: {
      ...USER_RESOURCE_SCHEMAS.core,
      attributes: [
        ...USER_RESOURCE_SCHEMAS.core.attributes,
        {
          ...USER_RESOURCE_SCHEMAS.core.attributes[0]!,
          name: 'badge',
          required: false,
          mutability: 'immutable',
        },
      ],
    },
    extensions: USER_RESOURCE_SCHEMAS.extensions,
  };

  test.each<[string, Record<string, unknown>, Record<string, unknown>, boolean]>([
    ['same value', { badge: 'b1' }, { badge: 'b1' }, false],
    ['first value', {}, { badge: 'b1' }, false],
    ['left out', { badge: 'b1' }, {}, false],
    ['changed', { badge: 'b1' }, { badge: 'b2' }, true],
    ['readWrite attributes change freely', { userName: 'a' }, { userName: 'b' }, false],
  ])('%s', (_name, current, next, throws) => {
    const run = () => assertImmutableUnchanged(current, next, schemas);
    if (throws) expect(scimErrorOf(run).scimType).toBe('mutability');
    else expect(run).not.toThrow();
  });
});
