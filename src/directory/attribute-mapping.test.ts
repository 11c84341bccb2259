import { describe, expect, test } from 'vitest';
import { ENTERPRISE_USER_SCHEMA, USER_RESOURCE_SCHEMAS } from '../scim/core-schemas.js';
import { RFC7643_USER } from '../scim/fixtures/rfc7643-user.js';
import { directorySchemas } from '../scim/custom-schemas.js';
import {
  type AttributeMapping,
  checkAttributeMapping,
  customAttributesOf,
  mappingReferences,
} from './attribute-mapping.js';

const ENTERPRISE = ENTERPRISE_USER_SCHEMA;
const CUSTOM = 'urn:example:params:scim:schemas:extension:acme:2.0:User';

const customSchemas = directorySchemas([
  {
    definition: {
      id: CUSTOM,
      name: 'Acme',
      description: '',
      attributes: [
        {
          name: 'tags',
          type: 'string',
          multiValued: true,
          description: '',
          required: false,
          caseExact: false,
          mutability: 'readWrite',
          returned: 'default',
          uniqueness: 'none',
        },
      ],
    },
    resourceType: 'User',
    required: false,
    indexed: [],
  },
]).user;

function mappingOf(entries: { name: string; path: string }[]): AttributeMapping {
  const check = checkAttributeMapping(entries, customSchemas);
  if (!check.ok) throw new Error(check.problems.join('; '));
  return check.mapping;
}

describe('customAttributesOf (RFC 7643 §8.2 user)', () => {
  test.each([
    [`${ENTERPRISE}:department`, 'Tour Operations'],
    [`${ENTERPRISE}:manager.value`, '26118915-6090-4610-87e4-49d8ca9f808d'],
    ['emails[type eq "work"].value', 'bjensen@example.com'],
    ['emails[type eq "home"].value', 'babs@jensen.org'],
    ['emails[type eq "other"].value', null],
    // Without a filter: the primary element, else the first.
    ['emails.value', 'bjensen@example.com'],
    ['phoneNumbers.value', '555-555-5555'],
    ['addresses[type eq "work"].locality', 'Hollywood'],
    ['addresses[type eq "home" and postalCode sw "916"].streetAddress', '456 Hollywood Blvd'],
    ['name.givenName', 'Barbara'],
    ['title', 'Tour Guide'],
    ['nickname', 'Babs'],
    [`${ENTERPRISE}:costCenter`, '4130'],
  ])('%s', (path, expected) => {
    expect(customAttributesOf(RFC7643_USER, mappingOf([{ name: 'x', path }]))).toEqual({ x: expected });
  });

  test('a complex attribute without sub-attribute is its object value', () => {
    const manager = (RFC7643_USER[ENTERPRISE] as Record<string, unknown>).manager;
    expect(
      customAttributesOf(RFC7643_USER, mappingOf([{ name: 'm', path: `${ENTERPRISE}:manager` }])),
    ).toEqual({
      m: manager,
    });
  });

  test('several matches prefer the primary element', () => {
    const resource = {
      emails: [
        { value: 'a@example.com', type: 'work' },
        { value: 'b@example.com', type: 'work', primary: true },
      ],
    };
    const mapping = mappingOf([{ name: 'workEmail', path: 'emails[type eq "work"].value' }]);
    expect(customAttributesOf(resource, mapping)).toEqual({ workEmail: 'b@example.com' });
  });

  test('a multi-valued simple custom attribute is its list; every mapped name is present', () => {
    const mapping = mappingOf([
      { name: 'tags', path: `${CUSTOM}:tags` },
      { name: 'department', path: `${ENTERPRISE}:department` },
    ]);
    expect(customAttributesOf({ [CUSTOM]: { tags: ['a', 'b'] } }, mapping)).toEqual({
      tags: ['a', 'b'],
      department: null,
    });
  });
});

describe('checkAttributeMapping', () => {
  test.each([
    [{ name: '1st', path: 'title' }, 'a name starts with a letter'],
    [{ name: 'a-b', path: 'title' }, 'a name starts with a letter'],
    [{ name: 'x'.repeat(65), path: 'title' }, 'a name starts with a letter'],
    [{ name: 'x', path: 'nope' }, 'path "nope" is invalid: "nope" names no attribute'],
    [{ name: 'x', path: 'emails[type eq "work"' }, 'path "emails[type eq \\"work\\"" is invalid'],
    [{ name: 'x', path: 'emails[nope eq "work"].value' }, 'emails has no sub-attribute "nope"'],
    [{ name: 'x', path: 'emails[primary gt true].value' }, '"gt" cannot compare boolean'],
    [{ name: 'x', path: 'password' }, 'password, which is writeOnly'],
    [{ name: 'x', path: 'groups.value' }, 'groups, which is readOnly'],
    [{ name: 'x', path: 'id' }, 'id, which is readOnly'],
    [{ name: 'x', path: `${ENTERPRISE}:manager.displayName` }, 'displayName, which is readOnly'],
    [{ name: 'x', path: 'department' }, `must name the extension: ${ENTERPRISE}:department`],
    [{ name: 'x', path: `${ENTERPRISE}:manager[value eq "1"].value` }, 'manager is single-valued'],
    [{ name: 'x', path: `urn:unknown:User:department` }, 'names no attribute'],
  ])('%j is refused: %s', (entry, problem) => {
    const check = checkAttributeMapping([entry], customSchemas);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.problems.join('\n')).toContain(problem);
  });

  test('names are unique case-sensitively, and every problem is listed by entry', () => {
    const check = checkAttributeMapping(
      [
        { name: 'dept', path: 'title' },
        { name: 'Dept', path: 'title' },
        { name: 'dept', path: 'nope' },
      ],
      customSchemas,
    );
    expect(check).toEqual({
      ok: false,
      problems: [
        'mappings[2] ("dept"): the name is already used by mappings[0]',
        expect.stringContaining('mappings[2] ("dept"): path "nope" is invalid'),
      ],
    });
  });

  test('at most 100 entries', () => {
    const entries = Array.from({ length: 101 }, (_, i) => ({ name: `a${i}`, path: 'title' }));
    expect(checkAttributeMapping(entries, USER_RESOURCE_SCHEMAS)).toEqual({
      ok: false,
      problems: ['at most 100 mappings, got 101'],
    });
    expect(checkAttributeMapping(entries.slice(1), USER_RESOURCE_SCHEMAS).ok).toBe(true);
  });

  test('owner defaults to idp', () => {
    const check = checkAttributeMapping([{ name: 'title', path: 'title' }], USER_RESOURCE_SCHEMAS);
    expect(check.ok && check.mapping.map((e) => e.owner)).toEqual(['idp']);
  });
});

test('mappingReferences names the entries in one extension, whatever the URN case', () => {
  const mapping = mappingOf([
    { name: 'tags', path: `${CUSTOM}:tags` },
    { name: 'department', path: `${ENTERPRISE}:department` },
    { name: 'title', path: 'title' },
  ]);
  expect(mappingReferences(mapping, CUSTOM.toUpperCase())).toEqual(['tags']);
  expect(mappingReferences(mapping, ENTERPRISE)).toEqual(['department']);
  expect(mappingReferences(mapping, 'urn:other')).toEqual([]);
});
