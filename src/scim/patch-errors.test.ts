// What the PATCH request parser and engine reject, and with which RFC 7644 §3.12 scimType.
import { describe, expect, test } from 'vitest';
import { scimErrorOf } from './fixtures/scim-error-of.js';
import { GROUP_RESOURCE_SCHEMAS, GROUP_SCHEMA, USER_RESOURCE_SCHEMAS, USER_SCHEMA } from './core-schemas.js';
import type { PatchOperation } from './patch.js';
import { applyPatch, MAX_PATCH_OPERATIONS, parsePatchRequest } from './patch.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER = { schemas: [USER_SCHEMA], userName: 'bjensen', emails: [{ value: 'b@x', type: 'work' }] };
const GROUP = { schemas: [GROUP_SCHEMA], displayName: 'g' };

describe('parsePatchRequest', () => {
  test.each<[string, unknown, PatchOperation[]]>([
    [
      'RFC form',
      { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'nickName', value: 'B' }] },
      [{ op: 'add', path: 'nickName', value: 'B' }],
    ],
    [
      'capitalised op, lower-case operations key',
      { operations: [{ Op: 'Remove', Path: 'title' }] },
      [{ op: 'remove', path: 'title' }],
    ],
    [
      'no-path replace',
      { Operations: [{ op: 'REPLACE', value: { active: false } }] },
      [{ op: 'replace', value: { active: false } }],
    ],
    [
      'null path is no path',
      { Operations: [{ op: 'add', path: null, value: {} }] },
      [{ op: 'add', value: {} }],
    ],
  ])('accepts %s', (_name, body, expected) => {
    expect(parsePatchRequest(body)).toStrictEqual(expected);
  });

  const many = Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, () => ({
    op: 'add',
    path: 'title',
    value: 'x',
  }));
  test.each<[string, unknown, string]>([
    ['a non-object body', [], 'invalidSyntax'],
    ['the wrong schema', { schemas: ['urn:x'], Operations: [{ op: 'add', value: {} }] }, 'invalidSyntax'],
    ['missing Operations', { schemas: [PATCH_OP] }, 'invalidSyntax'],
    ['empty Operations', { Operations: [] }, 'invalidSyntax'],
    ['too many operations', { Operations: many }, 'invalidSyntax'],
    ['an unknown op', { Operations: [{ op: 'merge', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['a non-string path', { Operations: [{ op: 'add', path: 3, value: 'x' }] }, 'invalidSyntax'],
    ['a no-path add of a non-object', { Operations: [{ op: 'add', value: 'x' }] }, 'invalidSyntax'],
    ['RFC 7644 §3.5.2.2 remove without path', { Operations: [{ op: 'remove' }] }, 'noTarget'],
    ['a malformed path', { Operations: [{ op: 'add', path: 'emails[type eq', value: 'x' }] }, 'invalidPath'],
  ])('rejects %s', (_name, body, scimType) => {
    expect(scimErrorOf(() => parsePatchRequest(body)).scimType).toBe(scimType);
  });
});

describe('applyPatch rejects', () => {
  test.each<[string, PatchOperation, string]>([
    ['an unknown attribute in a path', { op: 'add', path: 'shoeSize', value: 1 }, 'invalidPath'],
    ['an unknown sub-attribute', { op: 'add', path: 'name.nick', value: 'x' }, 'invalidPath'],
    ['an unknown sub-attribute in a filter', { op: 'remove', path: 'emails[kind eq "work"]' }, 'invalidPath'],
    ['a filter on a simple attribute', { op: 'remove', path: 'userName[value eq "x"]' }, 'invalidPath'],
    ['readOnly id', { op: 'replace', path: 'id', value: 'x' }, 'mutability'],
    ['readOnly meta', { op: 'replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }, 'mutability'],
    ['readOnly groups', { op: 'add', path: 'groups', value: [{ value: 'g' }] }, 'mutability'],
    ['removing the required userName', { op: 'remove', path: 'userName' }, 'invalidValue'],
    ['replacing userName with null', { op: 'replace', path: 'userName', value: null }, 'invalidValue'],
    ['a wrong type', { op: 'replace', path: 'active', value: 'maybe' }, 'invalidValue'],
    [
      'a list for a filtered element',
      { op: 'replace', path: 'emails[type eq "work"]', value: [{}, {}] },
      'invalidValue',
    ],
    ['ordering on a boolean', { op: 'remove', path: 'emails[primary gt true]' }, 'invalidFilter'],
    [
      'creating through an or filter',
      { op: 'add', path: 'emails[type eq "a" or type eq "b"].value', value: 'x' },
      'noTarget',
    ],
    ['a no-path add without object', { op: 'add', value: 'x' }, 'invalidSyntax'],
  ])('%s', (_name, operation, scimType) => {
    const error = scimErrorOf(() => applyPatch(USER, [operation], USER_RESOURCE_SCHEMAS));
    expect(error.scimType).toBe(scimType);
  });

  test.each<[string, PatchOperation, string]>([
    [
      'modifying a member',
      { op: 'replace', path: 'members[value eq "u1"].value', value: 'u2' },
      'mutability',
    ],
    [
      'replacing through a members filter',
      { op: 'replace', path: 'members[value eq "u1"]', value: { value: 'u2' } },
      'mutability',
    ],
    ['a members filter on type', { op: 'remove', path: 'members[type eq "User"]' }, 'invalidFilter'],
    ['a member without value', { op: 'add', path: 'members', value: [{ display: 'x' }] }, 'invalidValue'],
    ['removing displayName', { op: 'remove', path: 'displayName' }, 'invalidValue'],
  ])('on Groups: %s', (_name, operation, scimType) => {
    const error = scimErrorOf(() => applyPatch(GROUP, [operation], GROUP_RESOURCE_SCHEMAS));
    expect(error.scimType).toBe(scimType);
  });

  test('an immutable attribute that has a value', () => {
    const core = USER_RESOURCE_SCHEMAS.core;
    const badge = {
      ...core.attributes[0]!,
      name: 'badge',
      required: false,
      mutability: 'immutable' as const,
    };
    const schemas = { core: { ...core, attributes: [...core.attributes, badge] }, extensions: [] };
    expect(applyPatch(USER, [{ op: 'add', path: 'badge', value: 'b1' }], schemas).resource.badge).toBe('b1');
    const set = { ...USER, badge: 'b1' };
    expect(applyPatch(set, [{ op: 'replace', path: 'badge', value: 'b1' }], schemas).resource.badge).toBe(
      'b1',
    );
    expect(
      scimErrorOf(() => applyPatch(set, [{ op: 'replace', path: 'badge', value: 'b2' }], schemas)).scimType,
    ).toBe('mutability');
    expect(scimErrorOf(() => applyPatch(set, [{ op: 'remove', path: 'badge' }], schemas)).scimType).toBe(
      'mutability',
    );
  });

  test('a later invalid operation fails the whole request', () => {
    const operations: PatchOperation[] = [
      { op: 'replace', path: 'nickName', value: 'B' },
      { op: 'replace', path: 'id', value: 'x' },
    ];
    expect(scimErrorOf(() => applyPatch(USER, operations, USER_RESOURCE_SCHEMAS)).scimType).toBe(
      'mutability',
    );
  });
});
