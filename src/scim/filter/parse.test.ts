import { describe, expect, test } from 'vitest';
import type {
  AttributePath,
  CompareFilter,
  CompareOp,
  CompareValue,
  Filter,
  LogicalFilter,
  NotFilter,
  PresentFilter,
  ValueFilter,
} from './ast.js';
import { parseScimFilter } from './parse.js';
import { printScimFilter } from './print.js';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// `'name.familyName'` -> `{ name: 'name', subAttribute: 'familyName' }`; schema-qualified paths are spelt out.
const at = (path: string | AttributePath): AttributePath => {
  if (typeof path !== 'string') return path;
  const [name = '', subAttribute] = path.split('.');
  return subAttribute === undefined ? { name } : { name, subAttribute };
};
const cmp = (path: string | AttributePath, op: CompareOp, value: CompareValue): CompareFilter => ({
  kind: 'compare',
  path: at(path),
  op,
  value,
});
const pr = (path: string | AttributePath): PresentFilter => ({ kind: 'present', path: at(path) });
function and(left: ValueFilter, right: ValueFilter): LogicalFilter<ValueFilter>;
function and(left: Filter, right: Filter): Filter;
function and(left: Filter, right: Filter): Filter {
  return { kind: 'logical', op: 'and', left, right };
}
function or(left: ValueFilter, right: ValueFilter): LogicalFilter<ValueFilter>;
function or(left: Filter, right: Filter): Filter;
function or(left: Filter, right: Filter): Filter {
  return { kind: 'logical', op: 'or', left, right };
}
function not(filter: ValueFilter): NotFilter<ValueFilter>;
function not(filter: Filter): Filter;
function not(filter: Filter): Filter {
  return { kind: 'not', filter };
}
const has = (path: string, filter: ValueFilter): Filter => ({ kind: 'valuePath', path: at(path), filter });

// Every example of RFC 7644 §3.4.2.2, line breaks as printed in the RFC.
const rfcExamples: [string, Filter][] = [
  ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
  [`name.familyName co "O'Malley"`, cmp('name.familyName', 'co', "O'Malley")],
  ['userName sw "J"', cmp('userName', 'sw', 'J')],
  [`${CORE_USER}:userName sw "J"`, cmp({ schema: CORE_USER, name: 'userName' }, 'sw', 'J')],
  ['title pr', pr('title')],
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
  ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
  ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
  ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
  [`\n schemas eq "${ENTERPRISE_USER}"`, cmp('schemas', 'eq', ENTERPRISE_USER)],
  [
    'userType eq "Employee" and (emails co "example.com" or\n  emails.value co "example.org")',
    and(
      cmp('userType', 'eq', 'Employee'),
      or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
    ),
  ],
  [
    'userType ne "Employee" and not (emails co "example.com" or\n  emails.value co "example.org")',
    and(
      cmp('userType', 'ne', 'Employee'),
      not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
    ),
  ],
  [
    'userType eq "Employee" and (emails.type eq "work")',
    and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
  ],
  [
    'userType eq "Employee" and emails[type eq "work" and\n  value co "@example.com"]',
    and(
      cmp('userType', 'eq', 'Employee'),
      has('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
    ),
  ],
  [
    'emails[type eq "work" and value co "@example.com"] or\n  ims[type eq "xmpp" and value co "@foo.com"]',
    or(
      has('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      has('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
    ),
  ],
  // §3.4.2.2: "attribute names and attribute operators used in filters are case insensitive".
  ['userName Eq "john"', cmp('userName', 'eq', 'john')],
  ['Username eq "john"', cmp('Username', 'eq', 'john')],
  // The RFC's `name.familyName` example, schema-qualified as §3.10 allows.
  [
    `${CORE_USER}:name.familyName co "O'Malley"`,
    cmp({ schema: CORE_USER, ...at('name.familyName') }, 'co', "O'Malley"),
  ],
  // Errata 7322: parentheses inside a value filter.
  [
    'emails[type eq "work" or (type eq "home" and value ew "@example.com")]',
    has(
      'emails',
      or(cmp('type', 'eq', 'work'), and(cmp('type', 'eq', 'home'), cmp('value', 'ew', '@example.com'))),
    ),
  ],
];

// What identity providers send: named where the brief or the IdP's documentation shows it, else `IdP`.
const idpFilters: [string, string, Filter][] = [
  ['PingOne', 'username Eq "x"', cmp('username', 'eq', 'x')],
  ['Okta', 'userName eq "a@example.com"', cmp('userName', 'eq', 'a@example.com')],
  ['IdP', 'externalId eq "a b"', cmp('externalId', 'eq', 'a b')],
  [
    'Entra',
    'emails[type eq "work"].value eq "x@y.com"',
    has('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x@y.com'))),
  ],
  [
    'IdP',
    `${ENTERPRISE_USER}:employeeNumber eq "42"`,
    cmp({ schema: ENTERPRISE_USER, name: 'employeeNumber' }, 'eq', '42'),
  ],
  [
    'IdP',
    `${ENTERPRISE_USER}:manager.value eq "m1"`,
    cmp({ schema: ENTERPRISE_USER, name: 'manager', subAttribute: 'value' }, 'eq', 'm1'),
  ],
  ['IdP', 'members[value eq "abc"]', has('members', cmp('value', 'eq', 'abc'))],
  ['IdP', 'id eq "a" and manager eq "b"', and(cmp('id', 'eq', 'a'), cmp('manager', 'eq', 'b'))],
  ['IdP', 'displayName eq "CN=Admins,OU=Groups"', cmp('displayName', 'eq', 'CN=Admins,OU=Groups')],
  ['IdP', 'emails eq "x"', cmp('emails', 'eq', 'x')],
  ['IdP', '  userName   eq \t "x"  ', cmp('userName', 'eq', 'x')],
  ['IdP', 'active eq TRUE', cmp('active', 'eq', true)],
  ['IdP', 'title PR', pr('title')],
  ['IdP', 'active Eq False and x eq NULL', and(cmp('active', 'eq', false), cmp('x', 'eq', null))],
  [
    'IdP',
    'a gt -1.5e3 and b le 0 and c eq 10',
    and(and(cmp('a', 'gt', -1500), cmp('b', 'le', 0)), cmp('c', 'eq', 10)),
  ],
  ['IdP', 'x eq "tab\\t \\"q\\" \\\\ \\u00e9 \\/"', cmp('x', 'eq', 'tab\t "q" \\ é /')],
  ['IdP', 'not(title pr)', not(pr('title'))],
  ['IdP', 'emails[not (type eq "work")]', has('emails', not(cmp('type', 'eq', 'work')))],
  ['IdP', 'members.$ref pr', pr('members.$ref')],
  [
    'IdP',
    'emails[type eq "work" or type eq "home"].primary eq true',
    has('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('primary', 'eq', true))),
  ],
  ['IdP', 'userName eq "x"AND title pr', and(cmp('userName', 'eq', 'x'), pr('title'))],
  // Keywords are contextual: these are attribute names (RFC 7643 §2.1 allows them).
  ['IdP', 'not pr and and eq "x" or or pr', or(and(pr('not'), cmp('and', 'eq', 'x')), pr('or'))],
];

describe('parseScimFilter', () => {
  test.each(rfcExamples)('RFC 7644 §3.4.2.2: %s', (text, expected) => {
    expect(parseScimFilter(text)).toStrictEqual(expected);
  });

  test.each(idpFilters)('%s sends %s', (_idp, text, expected) => {
    expect(parseScimFilter(text)).toStrictEqual(expected);
  });

  test.each([
    ['a eq 1 or b eq 2 and c eq 3', or(cmp('a', 'eq', 1), and(cmp('b', 'eq', 2), cmp('c', 'eq', 3)))],
    ['a eq 1 and b eq 2 or c eq 3', or(and(cmp('a', 'eq', 1), cmp('b', 'eq', 2)), cmp('c', 'eq', 3))],
    ['a pr or b pr or c pr', or(or(pr('a'), pr('b')), pr('c'))],
    ['a pr and (b pr and c pr)', and(pr('a'), and(pr('b'), pr('c')))],
    ['not (a pr) and b pr', and(not(pr('a')), pr('b'))],
    ['(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
    ['((a pr))', pr('a')],
  ])('precedence: %s', (text, expected) => {
    expect(parseScimFilter(text)).toStrictEqual(expected);
  });

  test.each([...rfcExamples, ...idpFilters.map(([, text, ast]): [string, Filter] => [text, ast])])(
    'prints %s canonically and reads it back',
    (text) => {
      const ast = parseScimFilter(text);
      expect(parseScimFilter(printScimFilter(ast))).toStrictEqual(ast);
    },
  );

  test('prints the canonical form', () => {
    const ast = parseScimFilter('A Eq 1 AND (B pr OR NOT (c.d  sw "x")) and emails[type eq "work"].value pr');
    expect(printScimFilter(ast)).toBe(
      'A eq 1 and (B pr or not (c.d sw "x")) and emails[type eq "work" and value pr]',
    );
  });
});

describe('unquoted values (Microsoft test collection, older Entra docs)', () => {
  test.each([
    ['userName eq bjensen', 'bjensen'],
    ['userName sw O', 'O'],
    ['meta.created gt 2015-10-10T14:38:21.8617979-07:00', '2015-10-10T14:38:21.8617979-07:00'],
    ['age eq 01', '01'],
  ])('%s compares with the string %j', (text, value) => {
    const filter = parseScimFilter(text);
    expect(filter).toMatchObject({ kind: 'compare', value });
  });

  test('quoted strings, numbers and literals keep their JSON meaning', () => {
    expect(parseScimFilter('age eq 42')).toMatchObject({ value: 42 });
    expect(parseScimFilter('active eq True')).toMatchObject({ value: true });
    expect(parseScimFilter('x eq "42"')).toMatchObject({ value: '42' });
  });
});
