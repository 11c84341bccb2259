import { describe, expect, test } from 'vitest';
import { resolveAttribute } from './attributes.js';
import { GROUP_RESOURCE_SCHEMAS, USER_RESOURCE_SCHEMAS } from './core-schemas.js';
import { parsePatchPath } from './filter/parse.js';
import type { ScimError } from './scim-error.js';
import { matchesValueFilter, seedOf } from './value-filter.js';

const filterOf = (path: string) => parsePatchPath(path).filter!;
const attribute = (name: string) =>
  (resolveAttribute(USER_RESOURCE_SCHEMAS, name) ?? resolveAttribute(GROUP_RESOURCE_SCHEMAS, name))!
    .definition;

const EMAIL = { value: 'Babs@Example.com', type: 'work', primary: true };
const X509 = { value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' };

describe('matchesValueFilter', () => {
  test.each<[string, string, unknown, boolean]>([
    ['eq ignores case (caseExact false)', 'emails[value eq "babs@example.COM"]', EMAIL, true],
    ['ne', 'emails[type ne "work"]', EMAIL, false],
    ['co', 'emails[value co "EXAMPLE"]', EMAIL, true],
    ['sw', 'emails[value sw "babs@"]', EMAIL, true],
    ['ew', 'emails[value ew ".org"]', EMAIL, false],
    ['gt on strings', 'emails[value gt "a"]', EMAIL, true],
    ['le on strings', 'emails[value le "a"]', EMAIL, false],
    ['pr', 'emails[display pr]', EMAIL, false],
    ['boolean eq', 'emails[primary eq true]', EMAIL, true],
    ['Entra "True" string', 'emails[primary eq "True"]', EMAIL, true],
    ['and', 'emails[type eq "work" and value ew "example.com"]', EMAIL, true],
    ['or', 'emails[type eq "home" or primary eq false]', EMAIL, false],
    ['not', 'emails[not (type eq "home")]', EMAIL, true],
    ['sub-attribute names ignore case', 'emails[TYPE eq "work"]', EMAIL, true],
    ['eq null means absent', 'emails[display eq null]', EMAIL, true],
    ['members.value is compared ignoring case per schema', 'members[value eq "ABC"]', { value: 'abc' }, true],
    ['binary eq', `x509Certificates[value eq "${X509.value}"]`, X509, true],
  ])('%s', (_name, path, element, expected) => {
    const parsed = parsePatchPath(path);
    expect(matchesValueFilter(filterOf(path), element, attribute(parsed.attribute.name))).toBe(expected);
  });

  test('ordering a boolean is invalidFilter', () => {
    const run = () => matchesValueFilter(filterOf('emails[primary gt false]'), EMAIL, attribute('emails'));
    expect(run).toThrow(expect.objectContaining({ scimType: 'invalidFilter' }) as ScimError);
  });

  test('dateTime ordering compares instants', () => {
    const meta = { ...attribute('meta'), multiValued: true };
    const element = { created: '2011-08-01T18:29:49.793Z' };
    expect(matchesValueFilter(filterOf('meta[created gt "2011-08-01T20:00:00+03:00"]'), element, meta)).toBe(
      true,
    );
  });
});

describe('seedOf', () => {
  test.each<[string, Record<string, unknown> | undefined]>([
    ['emails[type eq "work"]', { type: 'work' }],
    ['roles[primary eq "True"]', { primary: true }],
    ['addresses[type eq "work" and Country eq "US"]', { type: 'work', country: 'US' }],
    ['emails[type eq "work" or type eq "home"]', undefined],
    ['emails[value co "x"]', undefined],
  ])('%s', (path, expected) => {
    expect(seedOf(filterOf(path), attribute(parsePatchPath(path).attribute.name))).toStrictEqual(expected);
  });
});
