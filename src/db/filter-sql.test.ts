import { describe, expect, test } from 'vitest';
import { ENTERPRISE_USER_SCHEMA } from '../scim/core-schemas.js';
import type { Filter } from '../scim/filter/ast.js';
import { parseScimFilter } from '../scim/filter/parse.js';
import { compileFilter, compileSortKey, escapeLike, GROUP_TABLE, USER_TABLE } from './filter-sql.js';

const ENT = ENTERPRISE_USER_SCHEMA;
const UUID = '018f2b6e-7c3a-7d41-9e2b-5a6c7d8e9f01';
const EMAILS =
  'exists (select 1 from scim_user_emails e where e.organization_id = r.organization_id and ' +
  'e.directory_id = r.directory_id and e.user_id = r.id';
const MEMBERS =
  'exists (select 1 from scim_group_members m where m.organization_id = r.organization_id and ' +
  'm.directory_id = r.directory_id and m.group_id = r.id';
const PHONES =
  "exists (select 1 from jsonb_array_elements(coalesce(r.resource -> $1::text, '[]'::jsonb)) " +
  'with ordinality as x(v, n) where';

const user = (filter: string) => compileFilter(parseScimFilter(filter), USER_TABLE);
const group = (filter: string) => compileFilter(parseScimFilter(filter), GROUP_TABLE);

describe('compileFilter on Users', () => {
  test.each<[string, unknown, unknown[]]>([
    // RFC 7643 §4.1.1: userName is caseExact false, compared through its (lower(user_name) collate "C", id) index.
    ['userName eq "bjensen"', '(lower(r.user_name) collate "C") = lower($1)', ['bjensen']],
    ['USERNAME Eq "BJensen"', '(lower(r.user_name) collate "C") = lower($1)', ['BJensen']],
    [
      `urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b"`,
      '(lower(r.user_name) collate "C") = lower($1)',
      ['b'],
    ],
    // RFC 7643 §3.1: externalId is caseExact.
    ['externalId eq "00ujl29u0le5T6Aj10h7"', 'r.external_id = $1', ['00ujl29u0le5T6Aj10h7']],
    ['displayName ne "Babs"', '(lower(r.display_name) collate "C") is distinct from lower($1)', ['Babs']],
    // sw on a hot column with a "C" index on lower(): a range with parameter bounds (migrations 0018, 0022) that
    // a generic plan can use.
    [
      'name.familyName sw "J"',
      '((lower(r.family_name) collate "C") >= lower($1) and (lower(r.family_name) collate "C") < roster_prefix_end(lower($2)))',
      ['J', 'J'],
    ],
    // No range: a caseExact column (its index is not on lower()), an empty prefix, a prefix without an end.
    ['externalId sw "A"', 'r.external_id like $1', ['A%']],
    ['userName sw ""', '(lower(r.user_name) collate "C") like lower($1)', ['%']],
    ['userName sw "\u{10FFFF}"', '(lower(r.user_name) collate "C") like lower($1)', ['\u{10FFFF}%']],
    ['name.givenName co "ar"', '(lower(r.given_name) collate "C") like lower($1)', ['%ar%']],
    ['userName ew "@example.com"', '(lower(r.user_name) collate "C") like lower($1)', ['%@example.com']],
    // LIKE wildcards in the value match themselves; in a range they are plain characters.
    ['userName co "a_b%c\\\\d"', '(lower(r.user_name) collate "C") like lower($1)', ['%a\\_b\\%c\\\\d%']],
    [
      'userName sw "a_b%c\\\\d"',
      '((lower(r.user_name) collate "C") >= lower($1) and (lower(r.user_name) collate "C") < roster_prefix_end(lower($2)))',
      ['a_b%c\\d', 'a_b%c\\d'],
    ],
    ['active eq true', 'r.active = $1::boolean', [true]],
    ['active ne false', 'r.active is distinct from $1::boolean', [false]],
    [
      'meta.lastModified gt "2011-05-13T04:42:34Z"',
      'r.updated_at > $1::timestamptz',
      ['2011-05-13T04:42:34Z'],
    ],
    [
      'meta.created le "2011-05-13T04:42:34.5"',
      'r.created_at <= $1::timestamptz',
      ['2011-05-13T04:42:34.5Z'],
    ],
    // meta.resourceType is caseExact (RFC 7643 §3.1) and constant per table.
    ['meta.resourceType eq "User"', '$1::text = $2', ['User', 'User']],
    [`id eq "${UUID}"`, 'r.id = $1::uuid', [UUID]],
    [`id eq "${UUID.toUpperCase()}"`, 'r.id = $1::uuid', [UUID]],
    // A string that is not a uuid equals no id.
    ['id eq "2819c223"', 'false', []],
    ['id ne "2819c223"', 'true', []],
    ['id sw "018F"', 'r.id::text like $1', ['018f%']],
    // Entra: `manager eq "id"` means manager.value (enterprise extension, RFC 7643 §4.3).
    [
      'id eq "a" and manager eq "b"',
      '(false and lower(r.resource #>> $1::text[]) = lower($2))',
      [[ENT, 'manager', 'value'], 'b'],
    ],
    [
      `${ENT}:department eq "Sales"`,
      'lower(r.resource #>> $1::text[]) = lower($2)',
      [[ENT, 'department'], 'Sales'],
    ],
    [
      `${ENT.toUpperCase()}:DEPARTMENT pr`,
      "coalesce(r.resource #>> $1::text[], '') <> ''",
      [[ENT, 'department']],
    ],
    ['title pr', "coalesce(r.resource ->> $1::text, '') <> ''", ['title']],
    [
      'name.formatted co "III"',
      'lower(r.resource #>> $1::text[]) like lower($2)',
      [['name', 'formatted'], '%III%'],
    ],
    ['displayName eq null', "not (coalesce(r.display_name, '') <> '')", []],
    ['title ne null', "coalesce(r.resource ->> $1::text, '') <> ''", ['title']],
    [
      'not (userName eq "a" or title pr)',
      `not coalesce(((lower(r.user_name) collate "C") = lower($1) or coalesce(r.resource ->> $2::text, '') <> ''), false)`,
      ['a', 'title'],
    ],
    // RFC 7644 §3.4.2.2: every condition in brackets holds for the same email.
    [
      'emails[type eq "work" and value co "@example.com"]',
      `${EMAILS} and (lower(e.type) = lower($1) and lower(e.value) like lower($2)))`,
      ['work', '%@example.com%'],
    ],
    [
      'emails[type eq "work"].value eq "b@x.org"',
      `${EMAILS} and (lower(e.type) = lower($1) and lower(e.value) = lower($2)))`,
      ['work', 'b@x.org'],
    ],
    // A multi-valued attribute without a sub-attribute compares its values (PingOne).
    ['emails eq "b@x.org"', `${EMAILS} and lower(e.value) = lower($1))`, ['b@x.org']],
    ['emails.primary eq true', `${EMAILS} and e.is_primary = $1::boolean)`, [true]],
    ['emails pr', `${EMAILS})`, []],
    [
      'emails[not (type eq "home")]',
      `${EMAILS} and not coalesce(lower(e.type) = lower($1), false))`,
      ['home'],
    ],
    [
      'phoneNumbers[type eq "work" and value sw "+1"]',
      `${PHONES} (lower(x.v ->> $2::text) = lower($3) and lower(x.v ->> $4::text) like lower($5)))`,
      ['phoneNumbers', 'type', 'work', 'value', '+1%'],
    ],
    [
      'phoneNumbers eq "+1 555"',
      `${PHONES} lower(x.v ->> $2::text) = lower($3))`,
      ['phoneNumbers', 'value', '+1 555'],
    ],
    ['addresses.primary eq true', `${PHONES} x.v -> $2::text = $3::jsonb)`, ['addresses', 'primary', 'true']],
    // A singular complex attribute in brackets is its sub-attributes: the hot column still serves.
    ['name[givenName eq "Barbara"]', '(lower(r.given_name) collate "C") = lower($1)', ['Barbara']],
    [
      `groups.value eq "${UUID}"`,
      expect.stringContaining('m.member_id = r.id and m.group_id = $1::uuid)'),
      [UUID],
    ],
  ])('%s', (filter, text, values) => {
    const compiled = user(filter);
    expect(compiled.text).toEqual(text);
    expect(compiled.values).toEqual(values);
  });
});

describe('compileFilter on Groups', () => {
  test.each<[string, string, unknown[]]>([
    ['displayName eq "Admins"', '(lower(r.display_name) collate "C") = lower($1)', ['Admins']],
    ['externalId eq "G1"', 'r.external_id = $1', ['G1']],
    [`members[value eq "${UUID}"]`, `${MEMBERS} and m.member_id = $1::uuid)`, [UUID]],
    [`members eq "${UUID}"`, `${MEMBERS} and m.member_id = $1::uuid)`, [UUID]],
    ['members.value eq "not-a-uuid"', `${MEMBERS} and false)`, []],
    ['members[type eq "Group"]', `${MEMBERS} and lower(m.member_type) = lower($1))`, ['Group']],
    ['members pr', `${MEMBERS})`, []],
    ['members[display eq "Babs"]', `${MEMBERS} and lower(m.display) = lower($1))`, ['Babs']],
  ])('%s', (filter, text, values) => {
    const compiled = group(filter);
    expect(compiled.text).toEqual(text);
    expect(compiled.values).toEqual(values);
  });
});

describe('compileFilter rejects with invalidFilter', () => {
  test.each<[string, string, 'User' | 'Group']>([
    ['nickname2 eq "x"', 'unknown attribute "nickname2"', 'User'],
    ['urn:example:custom:foo eq "x"', 'unknown attribute "urn:example:custom:foo"', 'User'],
    ['emails[foo eq "x"]', 'unknown attribute "emails.foo"', 'User'],
    ['userName eq "x"', 'unknown attribute "userName"', 'Group'],
    ['password eq "secret"', 'cannot be used to filter', 'User'],
    ['name eq "Barbara"', 'is complex', 'User'],
    ['addresses eq "x"', 'is complex', 'User'],
    ['userName[value eq "x"]', 'not complex', 'User'],
    ['active eq "true"', 'not a boolean value', 'User'],
    ['active gt true', 'operator "gt" is not supported', 'User'],
    ['emails.primary co true', 'operator "co" is not supported', 'User'],
    ['userName eq 42', 'not a string value', 'User'],
    ['userName gt null', 'cannot compare with null', 'User'],
    ['meta.created gt "yesterday"', 'not a valid dateTime value', 'User'],
    ['meta.created gt "2011-02-30T00:00:00Z"', 'not a valid dateTime value', 'User'],
    ['meta.lastModified sw "2011"', 'operator "sw" is not supported', 'User'],
    ['meta.location pr', 'cannot be used here', 'User'],
    ['x509Certificates.value gt "MII"', 'operator "gt" is not supported', 'User'],
    ['members.$ref eq "Users/1"', 'cannot be used in a filter', 'Group'],
  ])('%s', (filter, detail, kind) => {
    const table = kind === 'User' ? USER_TABLE : GROUP_TABLE;
    expect(() => compileFilter(parseScimFilter(filter), table)).toThrow(
      expect.objectContaining({
        scimType: 'invalidFilter',
        detail: expect.stringContaining(detail),
      }) as Error,
    );
  });

  test('a hand-built AST nesting too deep', () => {
    let filter: Filter = { kind: 'present', path: { name: 'title' } };
    for (let i = 0; i < 100; i++) filter = { kind: 'not', filter };
    expect(() => compileFilter(filter, USER_TABLE)).toThrow('nests deeper');
  });
});

describe('compileSortKey', () => {
  test.each<[string, string, unknown[]]>([
    ['userName', '(lower(r.user_name) collate "C")', []],
    ['externalId', 'r.external_id', []],
    ['meta.lastModified', 'r.updated_at', []],
    ['name.familyName', '(lower(r.family_name) collate "C")', []],
    [`${ENT}:department`, 'lower(r.resource #>> $1::text[])', [[ENT, 'department']]],
    // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary value, else its first.
    [
      'emails',
      `(select lower(e.value) from scim_user_emails e where e.organization_id = r.organization_id and ` +
        'e.directory_id = r.directory_id and e.user_id = r.id order by e.is_primary desc, e.position limit 1)',
      [],
    ],
    [
      'phoneNumbers.type',
      "(select lower(x.v ->> $1::text) from jsonb_array_elements(coalesce(r.resource -> $2::text, '[]'::jsonb)) " +
        "with ordinality as x(v, n) order by coalesce(x.v -> 'primary' = 'true'::jsonb, false) desc, x.n limit 1)",
      ['type', 'phoneNumbers'],
    ],
  ])('%s', (sortBy, text, values) => {
    const compiled = compileSortKey(sortBy, USER_TABLE);
    expect(compiled.text).toEqual(text);
    expect(compiled.values).toEqual(values);
  });

  test.each(['nope', 'name', 'password'])('rejects %s with invalidValue', (sortBy) => {
    expect(() => compileSortKey(sortBy, USER_TABLE)).toThrow(
      expect.objectContaining({ scimType: 'invalidValue' }) as Error,
    );
  });
});

test('escapeLike escapes the LIKE metacharacters', () => {
  expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\');
});
