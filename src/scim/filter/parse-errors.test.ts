import { describe, expect, test } from 'vitest';
import { scimErrorOf } from '../fixtures/scim-error-of.js';
import type { ScimError } from '../scim-error.js';
import type { FilterLimits } from './parse.js';
import { parseScimFilter } from './parse.js';

// The `ScimError` that parsing `text` throws; fails the test when it parses or throws something else.
const rejection = (text: string, limits?: Partial<FilterLimits>): ScimError =>
  scimErrorOf(() => parseScimFilter(text, limits));

describe('parseScimFilter rejects', () => {
  test.each([
    ['', 'filter is empty'],
    [' \n ', 'filter is empty'],
    ['userName', 'expected an operator but found end of filter at position 8'],
    ['userName eq', 'expected a value but found end of filter at position 11'],
    ['userName eqq "x"', 'unknown operator "eqq" at position 9'],
    ['userName éq "x"', 'expected an operator but found "é" at position 9'],
    ['userName(eq "x")', 'expected an operator but found "(" at position 8'],
    ['userName eq "abc', 'unterminated string starting at position 12'],
    ['userName eq "abc\\', 'unterminated string starting at position 12'],
    ['userName eq "a\\qb"', 'invalid escape "\\\\q" in a string at position 14'],
    ['userName eq "\\u12"', 'invalid escape "\\\\u12\\"" in a string at position 13'],
    ['userName eq "a\tb"', 'control character U+0009 must be escaped in a string at position 14'],
    ['age eq 1e999', 'number "1e999" is out of range at position 7'],
    ['userName pr)', 'unexpected token ")" at position 11'],
    ['userName pr userName pr', 'unexpected token "userName" at position 12'],
    ['userName pr and', 'expected an attribute path but found end of filter at position 15'],
    ['(userName pr', 'expected ")" but found end of filter at position 12'],
    ['()', 'expected an attribute path but found ")" at position 1'],
    ['not ()', 'expected an attribute path but found ")" at position 5'],
    ['not userName eq "x"', 'unknown operator "userName" at position 4; "not" must be followed by "("'],
    ['name.givenName.x eq "a"', 'invalid attribute path "name.givenName.x" at position 0'],
    ['1abc eq "x"', 'invalid attribute path "1abc" at position 0'],
    ['user_name! eq "x"', 'invalid attribute path "user_name!" at position 0'],
    ['foo:bar eq 1', 'invalid attribute path "foo:bar" at position 0'],
    ['urn:foo eq 1', 'invalid attribute path "urn:foo" at position 0'],
    [
      `urn:ietf:params:scim:schemas:core:2.0:User: pr`,
      'invalid attribute path "urn:ietf:params:scim:schemas:core:2.0:User:" at position 0',
    ],
    ['emails[type eq "work"]]', 'unexpected token "]" at position 22'],
    ['emails[type eq "work"', 'expected "]" but found end of filter at position 21'],
    ['emails[]', 'expected an attribute path but found "]" at position 7'],
    ['emails[value[type eq "x"] pr]', 'value filters cannot nest: unexpected "[" at position 12'],
    ['emails[type.value eq "x"]', 'expected a sub-attribute name but found "type.value" at position 7'],
    [
      `emails[${'urn:a:b'}:type eq "x"]`,
      'expected a sub-attribute name but found "urn:a:b:type" at position 7',
    ],
    [
      'emails.value[type eq "work"]',
      'a value filter cannot follow the sub-attribute "emails.value" at position 0',
    ],
    ['emails[type eq "work"].value', 'expected an operator but found end of filter at position 28'],
    ['emails[type eq "work"].', 'expected a sub-attribute name but found end of filter at position 23'],
    ['emails[type eq "work"].a.b pr', 'invalid sub-attribute name "a.b" at position 23'],
    ['emails [type eq "work"]', 'expected an operator but found "[" at position 7'],
    [`x eq "${'y'.repeat(200)}`, 'unterminated string starting at position 5'],
    [`${'y'.repeat(200)} eq`, `expected a value but found end of filter at position 203`],
    [`${'y'.repeat(200)}! pr`, `invalid attribute path "${'y'.repeat(100)}…" at position 0`],
  ])('%j: %s', (text, detail) => {
    const error = rejection(text);
    expect(error).toMatchObject({ status: 400, scimType: 'invalidFilter', detail });
    expect(error.toBody()).toMatchObject({ status: '400', scimType: 'invalidFilter' });
  });
});

describe('filter limits', () => {
  const nest = (depth: number, open: string, close: string) =>
    `${open.repeat(depth)}title pr${close.repeat(depth)}`;

  test('ten levels of parentheses, not and brackets are allowed; eleven are not', () => {
    expect(() => parseScimFilter(nest(10, '(', ')'))).not.toThrow();
    expect(() => parseScimFilter(nest(10, 'not (', ')'))).not.toThrow();
    expect(() => parseScimFilter(`${nest(9, '(', ')')} or emails[type pr]`)).not.toThrow();
    expect(rejection(nest(11, '(', ')')).detail).toBe('filter nests deeper than 10 levels at position 10');
    expect(rejection(nest(11, 'not (', ')')).detail).toBe(
      'filter nests deeper than 10 levels at position 50',
    );
    expect(rejection(`${'('.repeat(10)}emails[type pr]${')'.repeat(10)}`).detail).toBe(
      'filter nests deeper than 10 levels at position 16',
    );
  });

  test('a huge run of "(" fails fast on depth, not with a stack overflow', () => {
    const text = '('.repeat(100_000);
    expect(rejection(text).detail).toBe('filter is longer than 4096 characters');
    expect(rejection(text, { maxLength: 200_000 }).detail).toBe(
      'filter nests deeper than 10 levels at position 10',
    );
    expect(rejection('not ('.repeat(50_000), { maxLength: 1e6, maxDepth: 200 }).scimType).toBe(
      'invalidFilter',
    );
  });

  test('a long and/or chain is parsed without recursion', () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `a${i} pr`).join(' or ');
    expect(parseScimFilter(text, { maxLength: 1e6, maxTerms: 20_000 })).toMatchObject({ kind: 'logical' });
  });

  test('at most 100 terms by default', () => {
    const terms = (n: number) => Array.from({ length: n }, (_, i) => `a eq ${i}`).join(' and ');
    expect(() => parseScimFilter(terms(100))).not.toThrow();
    expect(rejection(terms(101)).detail).toBe(
      `filter has too many terms (at most 100) at position ${terms(100).length + 5}`,
    );
    expect(rejection('emails[type pr].value pr', { maxTerms: 1 }).detail).toBe(
      'filter has too many terms (at most 1) at position 16',
    );
  });

  test('at most 4096 characters by default', () => {
    const text = (length: number) => `userName eq "${'x'.repeat(length - 14)}"`;
    expect(() => parseScimFilter(text(4096))).not.toThrow();
    expect(rejection(text(4097)).detail).toBe('filter is longer than 4096 characters');
  });

  test('limits can be tightened per call', () => {
    expect(rejection('(a pr)', { maxDepth: 0 }).detail).toBe(
      'filter nests deeper than 0 levels at position 0',
    );
    expect(rejection('a pr or b pr', { maxTerms: 1 }).detail).toBe(
      'filter has too many terms (at most 1) at position 8',
    );
    expect(rejection('a pr', { maxLength: 3 }).detail).toBe('filter is longer than 3 characters');
  });
});
