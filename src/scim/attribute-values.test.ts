import { describe, expect, test } from 'vitest';
import {
  normalizeAttributeValue,
  normalizeScalar,
  permissiveContext,
  preferPrimary,
} from './attribute-values.js';
import { resolveAttribute } from './attributes.js';
import { GROUP_RESOURCE_SCHEMAS, USER_RESOURCE_SCHEMAS } from './core-schemas.js';
import type { AttributeDefinition } from './schema-model.js';
import { ScimError } from './scim-error.js';

const definition = (path: string, schemas = USER_RESOURCE_SCHEMAS): AttributeDefinition =>
  resolveAttribute(schemas, path)!.definition;
const decimal: AttributeDefinition = { ...definition('userName'), type: 'decimal' };
const integer: AttributeDefinition = { ...definition('userName'), type: 'integer' };
const dateTime = definition('meta.created');

function scimTypeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ScimError) return error.scimType;
    throw error;
  }
  return 'no error';
}

describe('normalizeScalar', () => {
  test.each<[string, AttributeDefinition, unknown, unknown]>([
    ['string', definition('userName'), 'bjensen', 'bjensen'],
    ['"" is unset', definition('userName'), '', undefined],
    ['null is unset', definition('title'), null, undefined],
    ['number as string', definition('externalId'), 701984, '701984'],
    ['"True"', definition('active'), 'True', true],
    ['" FALSE "', definition('active'), ' FALSE ', false],
    ['boolean', definition('active'), false, false],
    ['integer', integer, 3, 3],
    ['decimal', decimal, 1.5, 1.5],
    ['dateTime', dateTime, '2011-08-01T18:29:49.793Z', '2011-08-01T18:29:49.793Z'],
    ['reference', definition('profileUrl'), 'https://x', 'https://x'],
    ['members.type in canonical case', definition('members.type', GROUP_RESOURCE_SCHEMAS), 'group', 'Group'],
    ['emails.type as sent', definition('emails.type'), 'Work', 'Work'],
  ])('%s', (_name, attribute, value, expected) => {
    expect(normalizeScalar(attribute, value, 'x')).toStrictEqual(expected);
  });

  test.each<[string, AttributeDefinition, unknown]>([
    ['boolean "yes"', definition('active'), 'yes'],
    ['boolean 1', definition('active'), 1],
    ['integer 1.5', integer, 1.5],
    ['integer "1"', integer, '1'],
    ['decimal NaN', decimal, Number.NaN],
    ['dateTime "yesterday"', dateTime, 'yesterday'],
    ['dateTime "2011-13-45T00:00:00Z"', dateTime, '2011-13-45T00:00:00Z'],
    ['string object', definition('userName'), {}],
    ['string array', definition('userName'), ['a']],
  ])('rejects %s with invalidValue', (_name, attribute, value) => {
    expect(scimTypeOf(() => normalizeScalar(attribute, value, 'x'))).toBe('invalidValue');
  });
});

describe('normalizeAttributeValue', () => {
  const context = () => permissiveContext();

  test.each<[string, string, unknown, unknown]>([
    ['wraps a single email', 'emails', { Value: 'a', TYPE: 'work' }, [{ value: 'a', type: 'work' }]],
    ['drops empty elements', 'emails', [{ value: '' }, null, { value: 'b' }], [{ value: 'b' }]],
    ['an empty list is unset', 'emails', [], undefined],
    ['bare string element', 'emails', ['a@x'], [{ value: 'a@x' }]],
    ['manager string', 'manager', 'm1', { value: 'm1' }],
    ['manager array', 'manager', [{ value: 'm1' }, { value: 'm2' }], { value: 'm1' }],
    ['drops readOnly sub-attributes', 'manager', { value: 'm', displayName: 'Boss' }, { value: 'm' }],
  ])('%s', (_name, path, value, expected) => {
    expect(normalizeAttributeValue(definition(path), value, path, context())).toStrictEqual(expected);
  });

  test('collects unknown sub-attributes', () => {
    const collected = context();
    normalizeAttributeValue(definition('name'), { givenName: 'a', nick: 'b' }, 'name', collected);
    expect(collected.ignored).toStrictEqual(['name.nick']);
  });
});

describe('preferPrimary', () => {
  test('the fresh primary wins, else the first', () => {
    const a = { value: 'a', primary: true };
    const b = { value: 'b', primary: true };
    expect(preferPrimary([a, b], new Set([b]))).toStrictEqual([{ value: 'a', primary: false }, b]);
    expect(preferPrimary([a, b], new Set())).toStrictEqual([a, { value: 'b', primary: false }]);
  });
});
