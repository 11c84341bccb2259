import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  BULK_LIMITS,
  BULK_REQUEST_SCHEMA,
  type BulkOperation,
  isInvalid,
  parseBulkRequest,
  referencesIn,
  resolveReferences,
  toBulkResponse,
  withoutReferences,
} from './bulk.js';
import { type BulkStep, planBulk } from './bulk-plan.js';
import { scimErrorOf } from './fixtures/scim-error-of.js';
import {
  RFC7644_BULK_ID_REQUEST,
  RFC7644_BULK_REQUEST,
  RFC7644_CIRCULAR_REQUEST,
} from './fixtures/rfc7644-bulk.js';
import { ScimError } from './scim-error.js';

const user = (bulkId: string, extra: Record<string, unknown> = {}) => ({
  method: 'POST',
  path: '/Users',
  bulkId,
  data: { userName: bulkId, ...extra },
});
const group = (bulkId: string, members: string[]) => ({
  method: 'POST',
  path: '/Groups',
  bulkId,
  data: { displayName: bulkId, members: members.map((m) => ({ value: `bulkId:${m}` })) },
});
const plan = (Operations: unknown[]) => planBulk(parseBulkRequest({ Operations }));
/** Steps as `kind:index,index` strings, for compact assertions. */
const shape = (steps: BulkStep[]) =>
  steps.map((s) => `${s.kind}:${('ops' in s ? s.ops : [s.op]).map((o) => o.index).join(',')}`);

describe('parseBulkRequest', () => {
  test('reads the RFC 7644 §3.7.3 request', () => {
    const request = parseBulkRequest(RFC7644_BULK_REQUEST);
    expect(request.failOnErrors).toBe(1);
    expect(request.operations.map((o) => [o.method, isInvalid(o)])).toEqual([
      ['POST', false],
      ['PUT', false],
      ['PATCH', false],
      ['DELETE', false],
    ]);
    const put = request.operations[1] as BulkOperation;
    expect(put).toMatchObject({
      resourceType: 'User',
      target: { id: 'b7c14771-226c-4d05-8860-134711653041' },
      version: 'W/"3694e05e9dff591"',
      references: [],
    });
  });

  test('tolerates a missing schemas, odd casing of names and methods', () => {
    const request = parseBulkRequest({
      operations: [{ METHOD: 'patch', Path: '/users/bulkId:a', DATA: { Operations: [] } }, user('a')],
    });
    expect(request.operations[0]).toMatchObject({
      method: 'PATCH',
      resourceType: 'User',
      target: { bulkId: 'a' },
      references: ['a'],
    });
  });

  test.each([
    ['not an object', [], 400, 'invalidSyntax'],
    ['wrong schemas', { schemas: ['urn:x'], Operations: [user('a')] }, 400, 'invalidSyntax'],
    ['no Operations', { schemas: [BULK_REQUEST_SCHEMA] }, 400, 'invalidSyntax'],
    ['empty Operations', { Operations: [] }, 400, 'invalidValue'],
    ['failOnErrors 0', { failOnErrors: 0, Operations: [user('a')] }, 400, 'invalidValue'],
    ['failOnErrors text', { failOnErrors: '2', Operations: [user('a')] }, 400, 'invalidValue'],
    [
      'too many operations',
      { Operations: Array.from({ length: BULK_LIMITS.maxOperations + 1 }, (_, i) => user(`u${i}`)) },
      413,
      'tooMany',
    ],
  ])('a malformed request as a whole: %s', (_, body, status, scimType) => {
    const error = scimErrorOf(() => parseBulkRequest(body));
    expect([error.status, error.scimType]).toEqual([status, scimType]);
  });

  test.each([
    ['an unknown method', { method: 'GET', path: '/Users' }, 400],
    ['POST without bulkId', { method: 'POST', path: '/Users', data: {} }, 400],
    ['POST to a resource', { method: 'POST', path: '/Users/1', bulkId: 'a', data: {} }, 404],
    ['PUT to a collection', { method: 'PUT', path: '/Users', data: {} }, 404],
    ['an unknown endpoint', { method: 'DELETE', path: '/Schemas/x' }, 404],
    ['a deeper path', { method: 'DELETE', path: '/Users/1/x' }, 404],
    ['PATCH without data', { method: 'PATCH', path: '/Users/1' }, 400],
    ['a non-string version', { method: 'DELETE', path: '/Users/1', version: 3 }, 400],
    ['not an object', 'DELETE /Users/1', 400],
  ])('a malformed operation fails alone: %s', (_, op, status) => {
    const [bad, good] = parseBulkRequest({ Operations: [op, user('ok')] }).operations;
    expect(isInvalid(bad!) && bad.error.status).toBe(status);
    expect(isInvalid(good!)).toBe(false);
  });

  test('a bulkId used twice: the second POST fails, the first keeps it', () => {
    const ops = parseBulkRequest({ Operations: [user('a'), user('a')] }).operations;
    expect(isInvalid(ops[0]!)).toBe(false);
    expect(isInvalid(ops[1]!) && ops[1].error.detail).toContain('Operations[0]');
  });
});

describe('references', () => {
  test('found in members, manager.value, any string, and PATCH path filters', () => {
    expect(
      referencesIn({
        members: [{ value: 'bulkId:a' }, { value: 'bulkId:b' }],
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: { value: 'bulkId:c' } },
        nickName: 'bulkId:a',
        Operations: [{ op: 'remove', path: 'members[value eq "bulkId:d"]' }],
        displayName: 'not a bulkId: reference',
      }),
    ).toEqual(['a', 'b', 'c', 'd']);
  });

  test('resolved to ids; an unknown one is 409', () => {
    const ids = new Map([
      ['a', 'id-a'],
      ['d', 'id-d'],
    ]);
    expect(
      resolveReferences(
        { members: [{ value: 'bulkId:a' }], path: 'members[value eq "bulkId:d"]', n: 1 },
        (b) => ids.get(b),
      ),
    ).toEqual({ members: [{ value: 'id-a' }], path: 'members[value eq "id-d"]', n: 1 });
    const error = scimErrorOf(() => resolveReferences(['bulkId:zz'], (b) => ids.get(b)));
    expect([error.status, error.scimType]).toEqual([409, 'invalidValue']);
  });

  test('withoutReferences drops the members and values that name a pending bulkId', () => {
    expect(
      withoutReferences(
        {
          displayName: 'A',
          members: [{ value: 'bulkId:b', type: 'Group' }, { value: 'bulkId:done' }],
          manager: { value: 'bulkId:b', displayName: 'Boss' },
        },
        new Set(['b']),
      ),
    ).toEqual({ displayName: 'A', members: [{ value: 'bulkId:done' }], manager: { displayName: 'Boss' } });
  });

  test('property: resolving with every referenced id leaves no reference behind', () => {
    const bulkId = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        bulkId.map((b) => `bulkId:${b}`),
        fc.string(),
        fc.integer(),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      // Operation data is always an object.
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), value), (v) => {
        const refs = referencesIn(v);
        const resolved = resolveReferences(v, (b) => `id-of-${b}`);
        expect(referencesIn(resolved)).toEqual([]);
        expect(referencesIn(withoutReferences(v, new Set(refs)))).toEqual([]);
      }),
    );
  });
});

describe('planBulk', () => {
  test('RFC 7644 §3.7.2: the user first, then the group that references it', () => {
    const [alice, guides] = RFC7644_BULK_ID_REQUEST.Operations;
    expect(shape(plan([alice, guides]))).toEqual(['single:0', 'single:1']);
    expect(shape(plan([guides, alice]))).toEqual(['single:1', 'single:0']);
  });

  test('RFC 7644 §3.7.1: the circular groups are one cycle step', () => {
    expect(shape(planBulk(parseBulkRequest(RFC7644_CIRCULAR_REQUEST)))).toEqual(['cycle:0,1']);
  });

  test('a self-reference is a cycle; a POST referencing an unknown bulkId is invalid (409)', () => {
    const steps = plan([group('a', ['a']), group('b', ['nobody'])]);
    expect(shape(steps)).toEqual(['cycle:0', 'invalid:1']);
    const invalid = steps[1]!;
    expect(invalid.kind === 'invalid' && invalid.op.error.status).toBe(409);
  });

  test('consecutive user POSTs batch; a reference into the running batch starts a new one', () => {
    const ops = [
      user('a'),
      user('b'),
      user('c', { manager: { value: 'bulkId:a' } }),
      user('d'),
      { method: 'DELETE', path: '/Users/1' },
      user('e'),
      group('g', ['e']),
      user('f'),
    ];
    expect(shape(plan(ops))).toEqual([
      'createUsers:0,1',
      'createUsers:2,3',
      'single:4',
      'single:5',
      'single:6',
      'single:7',
    ]);
  });

  test('property: every operation appears once, after the POSTs it references, and in request order otherwise', () => {
    const arbitraryOps = fc
      .array(fc.tuple(fc.constantFrom('user', 'group', 'patch'), fc.array(fc.nat(7), { maxLength: 3 })), {
        minLength: 1,
        maxLength: 8,
      })
      .map((specs) =>
        specs.map(([kind, refs], i) => {
          const names = refs.map((r) => `b${r}`);
          if (kind === 'user') return user(`b${i}`, { nickName: names[0] ? `bulkId:${names[0]}` : 'x' });
          if (kind === 'group') return group(`b${i}`, names);
          return { method: 'PATCH', path: `/Groups/bulkId:b${refs[0] ?? i}`, data: { Operations: [] } };
        }),
      );
    fc.assert(
      fc.property(arbitraryOps, (ops) => {
        const request = parseBulkRequest({ Operations: ops });
        const steps = planBulk(request);
        const order = steps.flatMap((s) => ('ops' in s ? s.ops : [s.op]).map((o) => o.index));
        expect([...order].sort((a, b) => a - b)).toEqual(ops.map((_, i) => i));
        const position = new Map(order.map((index, p) => [index, p]));
        const inCycle = new Set(steps.flatMap((s) => (s.kind === 'cycle' ? s.ops.map((o) => o.index) : [])));
        // Operations the planner kept valid run after the POSTs they reference (except inside one cycle).
        const planned = steps.flatMap((s) => (s.kind === 'invalid' ? [] : 'ops' in s ? s.ops : [s.op]));
        for (const op of planned) {
          for (const ref of op.references) {
            // A definer the planner failed (it references an unknown bulkId) fails this one when it runs.
            const definer = planned.find((o) => o.method === 'POST' && o.bulkId === ref);
            if (!definer || (inCycle.has(op.index) && inCycle.has(definer.index))) continue;
            expect(position.get(definer.index)!).toBeLessThan(position.get(op.index)!);
          }
        }
        // Operations without references keep their relative order.
        const free = order.filter((index) => {
          const op = request.operations[index]!;
          return isInvalid(op) || op.references.length === 0;
        });
        expect(free).toEqual([...free].sort((a, b) => a - b));
      }),
    );
  });
});

describe('toBulkResponse', () => {
  test('status as a string; only what is known is present', () => {
    expect(
      toBulkResponse([
        { method: 'POST', bulkId: 'q', version: 'W/"1"', location: 'https://x/Users/1', status: 201 },
        { method: 'DELETE', status: 404, response: ScimError.notFound('gone').toBody() },
      ]),
    ).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkResponse'],
      Operations: [
        { method: 'POST', bulkId: 'q', version: 'W/"1"', location: 'https://x/Users/1', status: '201' },
        {
          method: 'DELETE',
          status: '404',
          response: {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
            status: '404',
            detail: 'gone',
          },
        },
      ],
    });
  });
});
