import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ScimError } from '../scim-error.js';
import type { AttributePath, CompareValue, Filter, ValueFilter } from './ast.js';
import { COMPARE_OPS } from './ast.js';
import { parseScimFilter } from './parse.js';
import { printScimFilter } from './print.js';

// Generated trees may nest deeper than the defaults allow; the round trip is about syntax, not limits.
const UNLIMITED = { maxLength: 1e7, maxDepth: 1_000, maxTerms: 1e6 };
// Ordinary objects, as the parser builds (`toStrictEqual` compares prototypes).
const PLAIN = { noNullPrototype: true } as const;

// Names include the contextual keywords, which must survive as attribute names.
const name = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/),
  fc.constantFrom('$ref', 'not', 'NOT', 'and', 'or', 'pr', 'eq', 'true', 'null'),
);
const schema = fc.constantFrom(
  'urn:ietf:params:scim:schemas:core:2.0:User',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
  'urn:example:acme:1.0:x-y',
);
const attributePath: fc.Arbitrary<AttributePath> = fc.record(
  { schema, name, subAttribute: name },
  { ...PLAIN, requiredKeys: ['name'] },
);
const value: fc.Arbitrary<CompareValue> = fc.oneof(
  fc.string({ unit: 'binary' }), // any code points, lone surrogates included
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);

function terms(path: fc.Arbitrary<AttributePath>) {
  return [
    fc.record(
      { kind: fc.constant('compare' as const), path, op: fc.constantFrom(...COMPARE_OPS), value },
      PLAIN,
    ),
    fc.record({ kind: fc.constant('present' as const), path }, PLAIN),
  ] as const;
}

function connectives<F>(filter: fc.Arbitrary<F>) {
  return [
    fc.record(
      {
        kind: fc.constant('logical' as const),
        op: fc.constantFrom('and', 'or'),
        left: filter,
        right: filter,
      },
      PLAIN,
    ),
    fc.record({ kind: fc.constant('not' as const), filter }, PLAIN),
  ] as const;
}

const { valueFilter } = fc.letrec<{ valueFilter: ValueFilter }>((tie) => ({
  valueFilter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    ...terms(name.map((n) => ({ name: n }))),
    ...connectives(tie('valueFilter')),
  ),
}));

const { filter } = fc.letrec<{ filter: Filter }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    ...terms(attributePath),
    fc.record(
      {
        kind: fc.constant('valuePath' as const),
        path: fc.record({ schema, name }, { ...PLAIN, requiredKeys: ['name'] }),
        filter: valueFilter,
      },
      PLAIN,
    ),
    ...connectives(tie('filter')),
  ),
}));

// Parses, or returns the `ScimError`; anything else thrown escapes and fails the property.
function attempt(text: string): Filter | ScimError {
  try {
    return parseScimFilter(text);
  } catch (error) {
    if (error instanceof ScimError) return error;
    throw error;
  }
}

const filterish = fc
  .array(
    fc.constantFrom(
      ...[
        'userName',
        'emails',
        'value',
        'not',
        'and',
        'or',
        'pr',
        'eq',
        'Co',
        'gt',
        'true',
        'null',
        '-1.5e3',
      ],
      ...['"x"', '"\\u00e9"', '"', '\\', '(', ')', '[', ']', '.', ':', ' ', '\n', '$ref', '0', 'urn:a:b:'],
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));

// Printed filters with a slice replaced by a token: mostly near misses that reach deep error paths.
const mutated = fc
  .tuple(
    filter,
    fc.nat(),
    fc.nat({ max: 4 }),
    fc.constantFrom('', ' ', '(', ')', '[', ']', '"', '.', 'and', 'not ('),
  )
  .map(([ast, at, length, token]) => {
    const text = printScimFilter(ast);
    const start = at % (text.length + 1);
    return text.slice(0, start) + token + text.slice(start + length);
  });

describe('parseScimFilter properties', () => {
  test('printing any AST and parsing it back gives the same AST', () => {
    fc.assert(
      fc.property(filter, (ast) => {
        expect(parseScimFilter(printScimFilter(ast), UNLIMITED)).toStrictEqual(ast);
      }),
      { numRuns: 500 },
    );
  });

  test.each([
    ['fc.string()', fc.string()],
    ['full Unicode strings', fc.string({ unit: 'binary', maxLength: 200 })],
    ['grapheme strings', fc.string({ unit: 'grapheme' })],
    ['filter-ish token soup', filterish],
    ['mutated valid filters', mutated],
  ])('%s either parse or fail with invalidFilter, and what parses prints stably', (_, input) => {
    fc.assert(
      fc.property(input, (text) => {
        const result = attempt(text);
        if (result instanceof ScimError) {
          expect(result).toMatchObject({ status: 400, scimType: 'invalidFilter' });
          return;
        }
        expect(parseScimFilter(printScimFilter(result), UNLIMITED)).toStrictEqual(result);
      }),
      { numRuns: 2_000 },
    );
  });
});
