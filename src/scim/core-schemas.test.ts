import { describe, expect, test } from 'vitest';
import { resolveAttribute } from './attributes.js';
import {
  COMMON_ATTRIBUTES,
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  GROUP_RESOURCE_TYPE,
  GROUP_SCHEMA,
  RESOURCE_TYPES,
  SCHEMA_DEFINITIONS,
  USER_RESOURCE_SCHEMAS,
  USER_RESOURCE_TYPE,
  USER_SCHEMA,
  USER_SCHEMA_DEFINITION,
  toResourceTypeResource,
  toSchemaResource,
} from './core-schemas.js';
import type { AttributeDefinition } from './schema-model.js';

const BASE_URL = 'https://roster.example/scim/v2/dir_1';

/** Every definition with its path, sub-attributes included. */
function walk(attributes: readonly AttributeDefinition[], prefix = ''): [string, AttributeDefinition][] {
  return attributes.flatMap((attribute) => {
    const path = `${prefix}${attribute.name}`;
    return [[path, attribute], ...walk(attribute.subAttributes ?? [], `${path}.`)] as [
      string,
      AttributeDefinition,
    ][];
  });
}

const ALL = [
  ...walk(COMMON_ATTRIBUTES, 'common:'),
  ...SCHEMA_DEFINITIONS.flatMap((schema) => walk(schema.attributes, `${schema.id}:`)),
];

describe('every attribute definition (RFC 7643 §7)', () => {
  test.each(ALL)('%s has every characteristic with a valid value', (_path, attribute) => {
    expect(attribute.name).toMatch(/^(\$ref|[A-Za-z][\w-]*)$/);
    expect([
      'string',
      'boolean',
      'decimal',
      'integer',
      'dateTime',
      'reference',
      'complex',
      'binary',
    ]).toContain(attribute.type);
    expect(typeof attribute.multiValued).toBe('boolean');
    expect(attribute.description.length).toBeGreaterThan(0);
    expect(typeof attribute.required).toBe('boolean');
    expect(typeof attribute.caseExact).toBe('boolean');
    expect(['readOnly', 'readWrite', 'immutable', 'writeOnly']).toContain(attribute.mutability);
    expect(['always', 'never', 'default', 'request']).toContain(attribute.returned);
    expect(['none', 'server', 'global']).toContain(attribute.uniqueness);
  });

  test.each(ALL)('%s has sub-attributes exactly when it is complex', (_path, attribute) => {
    if (attribute.type === 'complex') expect(attribute.subAttributes?.length).toBeGreaterThan(0);
    else expect(attribute.subAttributes).toBeUndefined();
  });

  test.each(ALL)('%s has referenceTypes exactly when it is a reference', (_path, attribute) => {
    if (attribute.type === 'reference') expect(attribute.referenceTypes?.length).toBeGreaterThan(0);
    else expect(attribute.referenceTypes).toBeUndefined();
  });

  test.each(SCHEMA_DEFINITIONS.map((schema) => [schema.id, schema] as const))(
    '%s: names are unique, case-insensitively, and sub-attributes are never complex',
    (_id, schema) => {
      for (const [, attribute] of walk([...COMMON_ATTRIBUTES, ...schema.attributes])) {
        const names = (attribute.subAttributes ?? []).map((sub) => sub.name.toLowerCase());
        expect(new Set(names).size).toBe(names.length);
        expect(attribute.subAttributes?.filter((sub) => sub.type === 'complex') ?? []).toEqual([]);
      }
      const names = [...COMMON_ATTRIBUTES, ...schema.attributes].map((attribute) =>
        attribute.name.toLowerCase(),
      );
      expect(new Set(names).size).toBe(names.length);
    },
  );

  test('the data is frozen', () => {
    expect(Object.isFrozen(USER_SCHEMA_DEFINITION.attributes[0])).toBe(true);
    expect(Object.isFrozen(USER_SCHEMA_DEFINITION.attributes)).toBe(true);
  });
});

describe('the User schema (RFC 7643 §8.7.1)', () => {
  test('lists the attributes of §8.7.1, in order', () => {
    expect(USER_SCHEMA_DEFINITION.attributes.map((attribute) => attribute.name)).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
  });

  test.each([
    ['name', ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix']],
    ['emails', ['value', 'display', 'type', 'primary']],
    [
      'addresses',
      ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country', 'type', 'primary'],
    ],
    ['groups', ['value', '$ref', 'display', 'type']],
    ['x509Certificates', ['value', 'display', 'type', 'primary']],
  ])('%s has the sub-attributes %j', (name, subNames) => {
    const attribute = USER_SCHEMA_DEFINITION.attributes.find((candidate) => candidate.name === name);
    expect(attribute?.subAttributes?.map((sub) => sub.name)).toEqual(subNames);
  });
});

describe('characteristics the server relies on', () => {
  test.each<[string, string, Partial<AttributeDefinition>]>([
    [
      USER_SCHEMA,
      'id',
      { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' },
    ],
    [USER_SCHEMA, 'externalId', { caseExact: true, mutability: 'readWrite', returned: 'default' }],
    [USER_SCHEMA, 'meta', { type: 'complex', mutability: 'readOnly', returned: 'default' }],
    [USER_SCHEMA, 'meta.lastModified', { type: 'dateTime', mutability: 'readOnly' }],
    [USER_SCHEMA, 'meta.version', { caseExact: true }],
    [
      USER_SCHEMA,
      'userName',
      { required: true, caseExact: false, returned: 'default', uniqueness: 'server' },
    ],
    [USER_SCHEMA, 'password', { mutability: 'writeOnly', returned: 'never' }],
    [USER_SCHEMA, 'active', { type: 'boolean' }],
    [USER_SCHEMA, 'profileUrl', { type: 'reference', referenceTypes: ['external'] }],
    [USER_SCHEMA, 'emails', { type: 'complex', multiValued: true }],
    [USER_SCHEMA, 'emails.type', { canonicalValues: ['work', 'home', 'other'] }],
    [
      USER_SCHEMA,
      'phoneNumbers.type',
      { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] },
    ],
    [
      USER_SCHEMA,
      'ims.type',
      { canonicalValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'] },
    ],
    [USER_SCHEMA, 'photos.value', { type: 'reference', referenceTypes: ['external'] }],
    [USER_SCHEMA, 'photos.type', { canonicalValues: ['photo', 'thumbnail'] }],
    [USER_SCHEMA, 'emails.primary', { type: 'boolean' }],
    [USER_SCHEMA, 'groups', { multiValued: true, mutability: 'readOnly' }],
    [USER_SCHEMA, 'groups.$ref', { referenceTypes: ['User', 'Group'], mutability: 'readOnly' }],
    [USER_SCHEMA, 'groups.type', { canonicalValues: ['direct', 'indirect'], mutability: 'readOnly' }],
    [USER_SCHEMA, 'x509Certificates.value', { type: 'binary' }],
    [GROUP_SCHEMA, 'displayName', { required: true, uniqueness: 'server' }],
    [GROUP_SCHEMA, 'members', { multiValued: true, mutability: 'readWrite' }],
    [GROUP_SCHEMA, 'members.value', { mutability: 'immutable' }],
    [GROUP_SCHEMA, 'members.$ref', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }],
    [GROUP_SCHEMA, 'members.type', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }],
    [GROUP_SCHEMA, 'members.display', { mutability: 'readOnly' }],
    [ENTERPRISE_USER_SCHEMA, 'employeeNumber', { type: 'string', mutability: 'readWrite' }],
    [ENTERPRISE_USER_SCHEMA, 'manager', { type: 'complex', multiValued: false }],
    [ENTERPRISE_USER_SCHEMA, 'manager.$ref', { type: 'reference', referenceTypes: ['User'] }],
    [ENTERPRISE_USER_SCHEMA, 'manager.displayName', { mutability: 'readOnly' }],
  ])('%s:%s', (schema, path, characteristics) => {
    const schemas = schema === GROUP_SCHEMA ? GROUP_RESOURCE_SCHEMAS : USER_RESOURCE_SCHEMAS;
    expect(resolveAttribute(schemas, `${schema}:${path}`)?.definition).toMatchObject(characteristics);
  });
});

describe('toSchemaResource (RFC 7643 §7)', () => {
  test.each(SCHEMA_DEFINITIONS.map((schema) => [schema.id, schema] as const))('%s', (id, schema) => {
    const resource = toSchemaResource(schema, `${BASE_URL}/`);
    expect(resource).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id,
      name: schema.name,
      description: schema.description,
      meta: { resourceType: 'Schema', location: `${BASE_URL}/Schemas/${id}` },
    });
    // What the endpoint sends is plain JSON that describes the same attributes.
    expect(JSON.parse(JSON.stringify(resource))).toEqual(resource);
    expect(resource['attributes']).toEqual(JSON.parse(JSON.stringify(schema.attributes)));
  });

  test('renders the characteristics of userName as §8.7.1 does', () => {
    const attributes = toSchemaResource(USER_SCHEMA_DEFINITION, BASE_URL)['attributes'] as unknown[];
    expect(attributes[0]).toEqual({
      name: 'userName',
      type: 'string',
      multiValued: false,
      description: USER_SCHEMA_DEFINITION.attributes[0]?.description,
      required: true,
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'server',
    });
  });
});

describe('toResourceTypeResource (RFC 7643 §6, §8.6)', () => {
  test('User offers the enterprise extension without requiring it', () => {
    expect(toResourceTypeResource(USER_RESOURCE_TYPE, BASE_URL)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      endpoint: '/Users',
      description: 'User Account',
      schema: USER_SCHEMA,
      schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
      meta: { resourceType: 'ResourceType', location: `${BASE_URL}/ResourceTypes/User` },
    });
  });

  test('Group has no schemaExtensions, as in §8.6', () => {
    expect(toResourceTypeResource(GROUP_RESOURCE_TYPE, BASE_URL)).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'Group',
      name: 'Group',
      endpoint: '/Groups',
      description: 'Group',
      schema: GROUP_SCHEMA,
      meta: { resourceType: 'ResourceType', location: `${BASE_URL}/ResourceTypes/Group` },
    });
  });

  test('every schema a resource type names is served by /Schemas', () => {
    const served = SCHEMA_DEFINITIONS.map((schema) => schema.id);
    for (const resourceType of RESOURCE_TYPES) {
      expect(served).toContain(resourceType.schema);
      for (const extension of resourceType.schemaExtensions) expect(served).toContain(extension.schema);
    }
  });
});
