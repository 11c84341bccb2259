import { describe, expect, test } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  USER_RESOURCE_SCHEMAS,
  USER_SCHEMA,
} from './core-schemas.js';
import { RFC7643_USER } from './fixtures/rfc7643-user.js';
import { type ProjectionOptions, parseAttributeList, projectResource } from './projection.js';
import type { ResourceSchemas } from './schema-model.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const ALL_KEYS = Object.keys(RFC7643_USER);
const DEFAULT_KEYS = ALL_KEYS.filter((key) => key !== 'password');

const project = (options: ProjectionOptions) => projectResource(RFC7643_USER, USER_RESOURCE_SCHEMAS, options);
const without = (...keys: string[]) => DEFAULT_KEYS.filter((key) => !keys.includes(key));

describe('projectResource: which top-level keys a User keeps', () => {
  test.each<[string, ProjectionOptions, string[]]>([
    ['no parameters: everything but password', {}, DEFAULT_KEYS],
    ['empty lists count as absent', { attributes: [], excludedAttributes: [] }, DEFAULT_KEYS],
    ['attributes=userName', { attributes: ['userName'] }, ['schemas', 'id', 'userName']],
    ['attributes=USERNAME (RFC 7643 §2.1)', { attributes: ['USERNAME'] }, ['schemas', 'id', 'userName']],
    ['attributes by base URN', { attributes: [`${USER_SCHEMA}:userName`] }, ['schemas', 'id', 'userName']],
    // RFC 7643 §3.1: meta is returned by default, not always.
    [
      'attributes=displayName leaves out userName and meta',
      { attributes: ['displayName'] },
      ['schemas', 'id', 'displayName'],
    ],
    ['attributes=meta', { attributes: ['meta'] }, ['schemas', 'id', 'meta']],
    ['attributes=id', { attributes: ['id'] }, ['schemas', 'id']],
    ['attributes=password: never returned', { attributes: ['password'] }, ['schemas', 'id']],
    ['attributes with only unknown names', { attributes: ['nope', 'urn:x:y:nope'] }, ['schemas', 'id']],
    [
      'attributes=emails,groups',
      { attributes: ['emails', ' groups'] },
      ['schemas', 'id', 'emails', 'groups'],
    ],
    ['excludedAttributes=emails', { excludedAttributes: ['emails'] }, without('emails')],
    ['excludedAttributes=groups', { excludedAttributes: ['groups'] }, without('groups')],
    [
      'excludedAttributes=Groups,EMAILS',
      { excludedAttributes: ['Groups', 'EMAILS'] },
      without('groups', 'emails'),
    ],
    // RFC 7644 §3.4.2.5: no effect on `returned: always`.
    ['excludedAttributes=id,schemas', { excludedAttributes: ['id', 'schemas'] }, DEFAULT_KEYS],
    ['excludedAttributes=meta', { excludedAttributes: ['meta'] }, without('meta')],
    ['excludedAttributes with unknown names', { excludedAttributes: ['nope', 'name.nope'] }, DEFAULT_KEYS],
    ['excluding the extension by its URN', { excludedAttributes: [ENTERPRISE] }, without(ENTERPRISE)],
    [
      'attributes wins over excludedAttributes',
      { attributes: ['userName'], excludedAttributes: ['userName'] },
      ['schemas', 'id', 'userName'],
    ],
  ])('%s', (_case, options, keys) => {
    expect(Object.keys(project(options))).toEqual(keys);
  });
});

describe('projectResource: sub-attributes and extensions', () => {
  test('attributes=name.givenName keeps name with only givenName', () => {
    expect(project({ attributes: ['name.givenName'] })).toEqual({
      schemas: RFC7643_USER['schemas'],
      id: RFC7643_USER['id'],
      name: { givenName: 'Barbara' },
    });
  });

  test('attributes=emails.value keeps only value in every email', () => {
    expect(project({ attributes: ['emails.VALUE'] })['emails']).toEqual([
      { value: 'bjensen@example.com' },
      { value: 'babs@jensen.org' },
    ]);
  });

  test('attributes naming a parent and one of its sub-attributes returns the whole parent', () => {
    expect(project({ attributes: ['name.givenName', 'name'] })['name']).toEqual(RFC7643_USER['name']);
  });

  test('excludedAttributes=name.givenName drops only givenName', () => {
    const name = project({ excludedAttributes: ['name.givenName'] })['name'];
    expect(name).not.toHaveProperty('givenName');
    expect(name).toHaveProperty('familyName', 'Jensen');
  });

  test('excluding every sub-attribute present drops the parent', () => {
    const options = { excludedAttributes: ['ims.value', 'ims.type'] };
    expect(project(options)).not.toHaveProperty('ims');
  });

  test('attributes=<enterprise URN>:manager.value keeps the extension with manager.value only', () => {
    expect(project({ attributes: [`${ENTERPRISE}:manager.value`] })).toEqual({
      schemas: RFC7643_USER['schemas'],
      id: RFC7643_USER['id'],
      [ENTERPRISE]: { manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' } },
    });
  });

  test('attributes=<enterprise URN>:department', () => {
    expect(project({ attributes: [`${ENTERPRISE}:department`] })[ENTERPRISE]).toEqual({
      department: 'Tour Operations',
    });
  });

  test('attributes=<enterprise URN> keeps the whole extension', () => {
    expect(project({ attributes: [ENTERPRISE.toLowerCase()] })[ENTERPRISE]).toEqual(RFC7643_USER[ENTERPRISE]);
  });

  test('excludedAttributes=<enterprise URN>:manager keeps the rest of the extension', () => {
    const extension = project({ excludedAttributes: [`${ENTERPRISE}:manager`] })[ENTERPRISE];
    expect(extension).toEqual({
      employeeNumber: '701984',
      costCenter: '4130',
      organization: 'Universal Studios',
      division: 'Theme Park',
      department: 'Tour Operations',
    });
  });

  test('an unqualified extension attribute is found in the extension', () => {
    expect(project({ attributes: ['costCenter'] })[ENTERPRISE]).toEqual({ costCenter: '4130' });
  });

  test('schemas is copied as is, even when the extension is left out', () => {
    expect(project({ attributes: ['userName'] })['schemas']).toEqual([USER_SCHEMA, ENTERPRISE]);
  });
});

describe('projectResource: returned characteristics', () => {
  const requestOnly: ResourceSchemas = {
    core: {
      ...USER_RESOURCE_SCHEMAS.core,
      attributes: USER_RESOURCE_SCHEMAS.core.attributes.map((attribute) =>
        attribute.name === 'nickName' ? { ...attribute, returned: 'request' as const } : attribute,
      ),
    },
    extensions: USER_RESOURCE_SCHEMAS.extensions,
  };

  test.each<[string, ProjectionOptions, boolean]>([
    ['not returned by default', {}, false],
    ['not returned when other attributes are excluded', { excludedAttributes: ['emails'] }, false],
    ['returned when named in attributes', { attributes: ['nickname'] }, true],
  ])('a `request` attribute is %s', (_case, options, present) => {
    expect('nickName' in projectResource(RFC7643_USER, requestOnly, options)).toBe(present);
  });

  test('password is never returned, however it is asked for', () => {
    for (const attributes of [['password'], ['PASSWORD'], [`${USER_SCHEMA}:password`]]) {
      expect(project({ attributes })).not.toHaveProperty('password');
    }
    expect(project({})).not.toHaveProperty('password');
  });

  test('keys no schema defines are kept by default and cannot be asked for', () => {
    const resource = { ...RFC7643_USER, vendorThing: 1 };
    expect(projectResource(resource, USER_RESOURCE_SCHEMAS, {})).toHaveProperty('vendorThing', 1);
    const options = { attributes: ['vendorThing'] };
    expect(projectResource(resource, USER_RESOURCE_SCHEMAS, options)).not.toHaveProperty('vendorThing');
  });

  test('empty values are kept by default but not returned for an unrelated attributes list', () => {
    const resource = { id: 'x', emails: [], name: {} };
    expect(projectResource(resource, USER_RESOURCE_SCHEMAS, {})).toEqual(resource);
    expect(projectResource(resource, USER_RESOURCE_SCHEMAS, { attributes: ['name.givenName'] })).toEqual({
      id: 'x',
    });
  });
});

describe('projectResource on Group', () => {
  const group = {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'e9e30dba-f08f-4109-8486-d5c6a331660a',
    displayName: 'Tour Guides',
    members: [{ value: RFC7643_USER['id'], $ref: 'https://example.com/v2/Users/x', display: 'Babs Jensen' }],
    meta: { resourceType: 'Group' },
  };

  test.each<[ProjectionOptions, Record<string, unknown>]>([
    [
      { excludedAttributes: ['members'] },
      { schemas: group.schemas, id: group.id, displayName: 'Tour Guides', meta: group.meta },
    ],
    [
      { attributes: ['members.value'] },
      { schemas: group.schemas, id: group.id, members: [{ value: RFC7643_USER['id'] }] },
    ],
  ])('%j', (options, expected) => {
    expect(projectResource(group, GROUP_RESOURCE_SCHEMAS, options)).toEqual(expected);
  });
});

describe('projectResource leaves its input alone', () => {
  test('the frozen fixture survives every projection; what the projection changes is a new object', () => {
    const before = structuredClone(RFC7643_USER);
    for (const options of [
      {},
      { attributes: ['name.givenName', 'emails.value'] },
      { excludedAttributes: ['name.familyName'] },
    ]) {
      project(options);
    }
    expect(RFC7643_USER).toEqual(before);
    const output = project({ excludedAttributes: ['name.familyName'] });
    expect(output).not.toBe(RFC7643_USER);
    expect(output['name']).not.toBe(RFC7643_USER['name']);
    expect(output['name']).not.toHaveProperty('familyName');
    // Kept whole, a value is the input's own: renderers hand the projection a resource built per response.
    expect(output['emails']).toBe(RFC7643_USER['emails']);
  });

  test("parameter sets do not leak into each other's compiled projection", () => {
    const first = project({ attributes: ['userName'] });
    expect(project({ attributes: ['userName'] })).toEqual(first);
    expect(project({ attributes: ['displayName'] })).toEqual({
      schemas: RFC7643_USER['schemas'],
      id: RFC7643_USER['id'],
      displayName: RFC7643_USER['displayName'],
    });
  });
});

describe('parseAttributeList', () => {
  test.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    [' , ,', []],
    ['userName', ['userName']],
    ['userName,emails', ['userName', 'emails']],
    ['userName, emails ,  name.givenName', ['userName', 'emails', 'name.givenName']],
    ['userName,+emails+', ['userName', 'emails']],
    [`${ENTERPRISE}:manager.value,userName`, [`${ENTERPRISE}:manager.value`, 'userName']],
    ['groups.$ref', ['groups.$ref']],
  ])('%j -> %j', (query, names) => {
    expect(parseAttributeList(query)).toEqual(names);
  });
});
