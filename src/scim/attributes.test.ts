import { describe, expect, test } from 'vitest';
import { findSchema, resolveAttribute } from './attributes.js';
import {
  ENTERPRISE_USER_SCHEMA,
  GROUP_RESOURCE_SCHEMAS,
  GROUP_SCHEMA,
  USER_RESOURCE_SCHEMAS,
  USER_SCHEMA,
} from './core-schemas.js';
import type { ResourceSchemas, SchemaDefinition } from './schema-model.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;

describe('resolveAttribute on User', () => {
  test.each([
    ['userName', 'userName', USER_SCHEMA, false],
    ['USERNAME', 'userName', USER_SCHEMA, false],
    ['  username ', 'userName', USER_SCHEMA, false],
    [`${USER_SCHEMA}:userName`, 'userName', USER_SCHEMA, false],
    ['URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME', 'userName', USER_SCHEMA, false],
    ['name.familyName', 'name.familyName', USER_SCHEMA, false],
    ['NAME.FAMILYNAME', 'name.familyName', USER_SCHEMA, false],
    [`${USER_SCHEMA}:name.givenName`, 'name.givenName', USER_SCHEMA, false],
    ['emails.value', 'emails.value', USER_SCHEMA, false],
    ['groups.$ref', 'groups.$ref', USER_SCHEMA, false],
    ['x509certificates.value', 'x509Certificates.value', USER_SCHEMA, false],
    // RFC 7643 §3.1: the common attributes belong to the base schema.
    ['id', 'id', USER_SCHEMA, false],
    ['externalid', 'externalId', USER_SCHEMA, false],
    ['meta.lastModified', 'meta.lastModified', USER_SCHEMA, false],
    [`${USER_SCHEMA}:meta.created`, 'meta.created', USER_SCHEMA, false],
    [`${ENTERPRISE}:department`, 'department', ENTERPRISE, true],
    [`${ENTERPRISE}:manager.value`, 'manager.value', ENTERPRISE, true],
    [`${ENTERPRISE.toLowerCase()}:MANAGER.DISPLAYNAME`, 'manager.displayName', ENTERPRISE, true],
    // RFC 7644 §3.10: clients only SHOULD qualify extension attributes.
    ['employeeNumber', 'employeeNumber', ENTERPRISE, true],
    ['manager.value', 'manager.value', ENTERPRISE, true],
  ])('%s resolves to %s in %s', (text, path, schema, extension) => {
    const resolved = resolveAttribute(USER_RESOURCE_SCHEMAS, text);
    expect(resolved).toMatchObject({ path, schema, extension });
  });

  test.each([
    ['unknown attribute', 'nope'],
    ['unknown sub-attribute', 'name.nope'],
    ['sub-attribute of a simple attribute', 'userName.value'],
    ['two levels of sub-attributes', 'name.givenName.first'],
    ['empty path', ''],
    ['the URN alone', USER_SCHEMA],
    ['the URN with a trailing colon', `${USER_SCHEMA}:`],
    ['an unknown schema URN', 'urn:ietf:params:scim:schemas:extension:other:2.0:User:userName'],
    ['a base attribute under the extension URN', `${ENTERPRISE}:userName`],
    ['a common attribute under the extension URN', `${ENTERPRISE}:id`],
    ['an extension attribute under the base URN', `${USER_SCHEMA}:department`],
    ['a Group attribute', 'members'],
    ['schemas, which is not an attribute', 'schemas'],
  ])('%s is undefined: %s', (_case, text) => {
    expect(resolveAttribute(USER_RESOURCE_SCHEMAS, text)).toBeUndefined();
  });

  test('returns the sub-attribute definition and its parent', () => {
    const resolved = resolveAttribute(USER_RESOURCE_SCHEMAS, 'emails.type');
    expect(resolved?.attribute.name).toBe('emails');
    expect(resolved?.definition.name).toBe('type');
    expect(resolved?.definition.canonicalValues).toEqual(['work', 'home', 'other']);
  });

  test('returns the same object as definition and attribute for a top-level path', () => {
    const resolved = resolveAttribute(USER_RESOURCE_SCHEMAS, 'password');
    expect(resolved?.definition).toBe(resolved?.attribute);
    expect(resolved?.definition).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
  });
});

describe('resolveAttribute on Group', () => {
  test.each([
    ['displayname', 'displayName'],
    ['members.value', 'members.value'],
    ['MEMBERS.$REF', 'members.$ref'],
    [`${GROUP_SCHEMA}:members.type`, 'members.type'],
    ['id', 'id'],
  ])('%s resolves to %s', (text, path) => {
    expect(resolveAttribute(GROUP_RESOURCE_SCHEMAS, text)).toMatchObject({ path, schema: GROUP_SCHEMA });
  });

  test('does not resolve User attributes', () => {
    expect(resolveAttribute(GROUP_RESOURCE_SCHEMAS, 'userName')).toBeUndefined();
    expect(resolveAttribute(GROUP_RESOURCE_SCHEMAS, `${ENTERPRISE}:department`)).toBeUndefined();
  });
});

describe('resolving against extension URNs', () => {
  const attribute = { ...USER_RESOURCE_SCHEMAS.core.attributes[0]!, name: 'badge' };
  const nested: SchemaDefinition = {
    id: `${USER_SCHEMA}:badges`,
    name: 'Badges',
    description: 'A made-up extension whose URN extends the base schema URN.',
    attributes: [attribute],
  };
  const schemas: ResourceSchemas = { core: USER_RESOURCE_SCHEMAS.core, extensions: [nested] };

  test('the longest matching URN wins', () => {
    expect(resolveAttribute(schemas, `${USER_SCHEMA}:badges:badge`)).toMatchObject({
      path: 'badge',
      schema: nested.id,
      extension: true,
    });
  });

  test('an unqualified name two extensions define is ambiguous', () => {
    const twin = { ...nested, id: 'urn:example:params:scim:schemas:extension:twin:1.0:User' };
    expect(resolveAttribute({ ...schemas, extensions: [nested, twin] }, 'badge')).toBeUndefined();
  });
});

describe('findSchema', () => {
  test.each([
    [USER_SCHEMA, USER_SCHEMA],
    [ENTERPRISE.toUpperCase(), ENTERPRISE],
    [` ${ENTERPRISE} `, ENTERPRISE],
    ['urn:ietf:params:scim:schemas:core:2.0:Group', undefined],
  ])('%s is %s', (urn, id) => {
    expect(findSchema(USER_RESOURCE_SCHEMAS, urn)?.id).toBe(id);
  });
});
