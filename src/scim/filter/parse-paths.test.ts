import { describe, expect, test } from 'vitest';
import { scimErrorOf } from '../fixtures/scim-error-of.js';
import type { AttributePath, PresentFilter } from './ast.js';
import type { PatchPath } from './parse.js';
import { parseAttributePath, parsePatchPath } from './parse.js';
import { printAttributePath } from './print.js';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const valueEq = (name: string, value: string) =>
  ({ kind: 'compare', path: { name }, op: 'eq', value }) as const;

describe('parseAttributePath', () => {
  test.each<[string, AttributePath]>([
    ['emails', { name: 'emails' }],
    ['name.givenName', { name: 'name', subAttribute: 'givenName' }],
    ['members.$ref', { name: 'members', subAttribute: '$ref' }],
    [`${CORE_USER}:userName`, { schema: CORE_USER, name: 'userName' }],
    [`${CORE_USER}:name.familyName`, { schema: CORE_USER, name: 'name', subAttribute: 'familyName' }],
    [`${ENTERPRISE_USER}:manager.value`, { schema: ENTERPRISE_USER, name: 'manager', subAttribute: 'value' }],
    [`${ENTERPRISE_USER}:employeeNumber`, { schema: ENTERPRISE_USER, name: 'employeeNumber' }],
    ['  UserName ', { name: 'UserName' }],
  ])('%s', (text, expected) => {
    expect(parseAttributePath(text)).toStrictEqual(expected);
    expect(parseAttributePath(printAttributePath(expected))).toStrictEqual(expected);
  });

  test.each([
    ['', 'path is empty'],
    ['name.', 'invalid attribute path "name." at position 0'],
    ['.name', 'invalid attribute path ".name" at position 0'],
    ['a.b.c', 'invalid attribute path "a.b.c" at position 0'],
    ['a..b', 'invalid attribute path "a..b" at position 0'],
    ['0name', 'invalid attribute path "0name" at position 0'],
    ['na me', 'unexpected token "me" at position 3'],
    ['ref$', 'invalid attribute path "ref$" at position 0'],
    ['schemas:core:name', 'invalid attribute path "schemas:core:name" at position 0'],
    [`${ENTERPRISE_USER}:`, `invalid attribute path "${ENTERPRISE_USER}:" at position 0`],
    ['emails[type eq "work"]', 'unexpected token "[" at position 6'],
  ])('rejects %j', (text, detail) => {
    expect(scimErrorOf(() => parseAttributePath(text))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
      detail,
    });
  });
});

describe('parsePatchPath', () => {
  test.each<[string, PatchPath]>([
    // RFC 7644 §3.5.2 examples.
    ['members', { attribute: { name: 'members' } }],
    ['name.familyName', { attribute: { name: 'name', subAttribute: 'familyName' } }],
    ['addresses[type eq "work"]', { attribute: { name: 'addresses' }, filter: valueEq('type', 'work') }],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"]',
      { attribute: { name: 'members' }, filter: valueEq('value', '2819c223-7f76-453a-919d-413861904646') },
    ],
    [
      'members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName',
      {
        attribute: { name: 'members' },
        filter: valueEq('value', '2819c223-7f76-453a-919d-413861904646'),
        subAttribute: 'displayName',
      },
    ],
    // What IdPs send (Entra, Okta).
    [
      'emails[type eq "work"].value',
      { attribute: { name: 'emails' }, filter: valueEq('type', 'work'), subAttribute: 'value' },
    ],
    [`${ENTERPRISE_USER}:employeeNumber`, { attribute: { schema: ENTERPRISE_USER, name: 'employeeNumber' } }],
    [`${ENTERPRISE_USER}:manager`, { attribute: { schema: ENTERPRISE_USER, name: 'manager' } }],
    [
      `${CORE_USER}:emails[type eq "work" and primary eq true]`,
      {
        attribute: { schema: CORE_USER, name: 'emails' },
        filter: {
          kind: 'logical',
          op: 'and',
          left: valueEq('type', 'work'),
          right: { kind: 'compare', path: { name: 'primary' }, op: 'eq', value: true },
        },
      },
    ],
    [
      'addresses[type pr].streetAddress',
      {
        attribute: { name: 'addresses' },
        filter: { kind: 'present', path: { name: 'type' } } satisfies PresentFilter,
        subAttribute: 'streetAddress',
      },
    ],
  ])('%s', (text, expected) => {
    expect(parsePatchPath(text)).toStrictEqual(expected);
  });

  test.each([
    ['', 'path is empty'],
    ['members[value eq "x"', 'expected "]" but found end of path at position 20'],
    ['members[value eq "x"].', 'expected a sub-attribute name but found end of path at position 22'],
    ['members[value eq "x"].a.b', 'invalid sub-attribute name "a.b" at position 22'],
    ['members[value eq "x"] extra', 'unexpected token "extra" at position 22'],
    ['members[value[x pr] pr]', 'value filters cannot nest: unexpected "[" at position 13'],
    [
      'name.familyName[x pr]',
      'a value filter cannot follow the sub-attribute "name.familyName" at position 0',
    ],
    ['members eq "x"', 'unexpected token "eq" at position 8'],
  ])('rejects %j', (text, detail) => {
    expect(scimErrorOf(() => parsePatchPath(text))).toMatchObject({
      status: 400,
      scimType: 'invalidPath',
      detail,
    });
  });

  test('value filters in paths are bounded too', () => {
    const deep = `members[${'('.repeat(11)}value pr${')'.repeat(11)}]`;
    expect(scimErrorOf(() => parsePatchPath(deep)).detail).toBe(
      'path nests deeper than 10 levels at position 17',
    );
  });
});
