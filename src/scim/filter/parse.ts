/**
 * A recursive-descent parser for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644 §3.5.2):
 *
 *   FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
 *   valuePath = attrPath "[" valFilter "]"
 *   attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
 *   logExp    = FILTER SP ("and" / "or") SP FILTER
 *
 * Precedence is `not` > `and` > `or`; `and` and `or` associate to the left. Recursion happens only through
 * parentheses, `not (` and brackets, each of which counts against `maxDepth`, so hostile input cannot exhaust
 * the stack. Whitespace is any run of space, tab, CR or LF (the RFC's own examples wrap lines), and is not
 * required next to `(`, `)`, `[`, `]` or a string.
 */
import { ScimError } from '../scim-error.js';
import { COMPARE_OPS } from './ast.js';
import type {
  AttributePath,
  CompareFilter,
  CompareOp,
  Filter,
  LogicalFilter,
  NotFilter,
  PresentFilter,
  ValueFilter,
} from './ast.js';
import { FilterScanner, quote } from './scanner.js';

/** Bounds on a single filter; exceeding any is an `invalidFilter` error. */
export interface FilterLimits {
  /** Characters (UTF-16 code units) in the whole text. */
  maxLength: number;
  /** Nesting of parentheses, `not (...)` and value-path brackets; each level is a few stack frames. */
  maxDepth: number;
  /** Comparison and `pr` terms. */
  maxTerms: number;
}

export const DEFAULT_FILTER_LIMITS: Readonly<FilterLimits> = Object.freeze({
  maxLength: 4096,
  maxDepth: 10,
  maxTerms: 100,
});

/** RFC 7644 §3.5.2: `attrPath`, or `valuePath` with an optional trailing sub-attribute. */
export interface PatchPath {
  /** The attribute before any `[`; when `filter` is present it has no `subAttribute`. */
  readonly attribute: AttributePath;
  readonly filter?: ValueFilter;
  /** The `displayName` of `members[value eq "2819c223"].displayName`. */
  readonly subAttribute?: string;
}

/**
 * Parses a `filter` query parameter or `/.search` body filter. Throws `ScimError.invalidFilter` (400) with a
 * detail naming the problem and its zero-based position, e.g. `unknown operator "eqq" at position 9`.
 */
export function parseScimFilter(text: string, limits?: Partial<FilterLimits>): Filter {
  const parser = new FilterParser(text, 'filter', ScimError.invalidFilter, limits);
  return parser.whole(() => parser.filter());
}

/**
 * Parses a PATCH operation's `path`, e.g. `members[value eq "2819c223"].displayName`. Throws
 * `ScimError.invalidPath` (RFC 7644 §3.5.2: "the path attribute was invalid or malformed").
 */
export function parsePatchPath(text: string, limits?: Partial<FilterLimits>): PatchPath {
  const parser = new FilterParser(text, 'path', ScimError.invalidPath, limits);
  return parser.whole(() => parser.patchPath());
}

/**
 * Parses a bare attribute path (RFC 7644 §3.10 `attributes`, `sortBy`, PATCH targets), e.g. `name.givenName`
 * or `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. Throws `ScimError.invalidPath`.
 */
export function parseAttributePath(text: string): AttributePath {
  const parser = new FilterParser(text, 'path', ScimError.invalidPath);
  return parser.whole(() => parser.scan.attributePath());
}

// RFC 7644 §3.4.2.2: "attribute operators are case insensitive".
const toOperator = (word: string): CompareOp | 'pr' | undefined => {
  const op = word.toLowerCase();
  return op === 'pr' ? op : COMPARE_OPS.find((known) => known === op);
};

// How to parse one level of `and`/`or`/`not`/parentheses: top-level filters and value filters differ.
interface Grammar<F> {
  term: () => F;
  // Identity, typed: lifts a node built from `F`s back into `F`.
  node: (node: LogicalFilter<F> | NotFilter<F>) => F;
}

class FilterParser {
  readonly scan: FilterScanner;
  private readonly limits: FilterLimits;
  private depth = 0;
  private terms = 0;
  private readonly filterGrammar: Grammar<Filter> = { term: () => this.filterTerm(), node: (node) => node };
  private readonly valueGrammar: Grammar<ValueFilter> = {
    term: () => this.valueTerm(),
    node: (node) => node,
  };

  constructor(
    text: string,
    private readonly noun: 'filter' | 'path',
    private readonly error: (detail: string) => ScimError,
    limits: Partial<FilterLimits> = {},
  ) {
    this.scan = new FilterScanner(text, noun, error);
    this.limits = {
      maxLength: limits.maxLength ?? DEFAULT_FILTER_LIMITS.maxLength,
      maxDepth: limits.maxDepth ?? DEFAULT_FILTER_LIMITS.maxDepth,
      maxTerms: limits.maxTerms ?? DEFAULT_FILTER_LIMITS.maxTerms,
    };
  }

  // Runs `rule` over the whole text: checks the length first, and rejects anything left over.
  whole<T>(rule: () => T): T {
    const { scan, limits, noun } = this;
    if (scan.text.length > limits.maxLength) {
      throw this.error(`${noun} is longer than ${limits.maxLength} characters`);
    }
    scan.skipWhitespace();
    if (scan.atEnd()) throw this.error(`${noun} is empty`);
    const result = rule();
    scan.skipWhitespace();
    if (!scan.atEnd()) scan.fail(`unexpected token ${scan.describe()}`);
    return result;
  }

  filter(): Filter {
    return this.or(this.filterGrammar);
  }

  patchPath(): PatchPath {
    const start = this.scan.pos;
    const attribute = this.scan.attributePath();
    if (this.scan.peek() !== '[') return { attribute };
    const filter = this.valuePath(attribute, start);
    if (!this.scan.eat('.')) return { attribute, filter };
    return { attribute, filter, subAttribute: this.scan.attributeName() };
  }

  private or<F>(grammar: Grammar<F>): F {
    let left = this.and(grammar);
    while (this.keyword('or')) {
      left = grammar.node({ kind: 'logical', op: 'or', left, right: this.and(grammar) });
    }
    return left;
  }

  private and<F>(grammar: Grammar<F>): F {
    let left = this.unary(grammar);
    while (this.keyword('and')) {
      left = grammar.node({ kind: 'logical', op: 'and', left, right: this.unary(grammar) });
    }
    return left;
  }

  private unary<F>(grammar: Grammar<F>): F {
    const { scan } = this;
    scan.skipWhitespace();
    const start = scan.pos;
    if (scan.eat('(')) {
      return this.nested(start, () => {
        const inner = this.or(grammar);
        scan.expect(')');
        return inner;
      });
    }
    // `not` is a keyword only before "(" (RFC 7644 §3.4.2.2 `*1"not" "(" FILTER ")"`); else it is a name.
    if (!scan.lookingAt('not', '(')) return grammar.term();
    scan.word();
    scan.expect('(');
    return this.nested(start, () => {
      const inner = this.or(grammar);
      scan.expect(')');
      return grammar.node({ kind: 'not', filter: inner });
    });
  }

  // `attrExp` or `valuePath`, outside brackets.
  private filterTerm(): Filter {
    const start = this.scan.pos;
    const path = this.scan.attributePath();
    if (this.scan.peek() !== '[') return this.attributeExpression(path, start);
    const filter = this.valuePath(path, start);
    if (!this.scan.eat('.')) return { kind: 'valuePath', path, filter };
    // Not in the RFC 7644 ABNF, but sent by IdPs (Entra): `emails[type eq "work"].value eq "x"`. It means
    // "some email is of type work and has value x", so the trailing expression is ANDed into the brackets:
    // `emails[type eq "work" and value eq "x"]`. The AST keeps one shape for both spellings.
    const subStart = this.scan.pos;
    const last = this.attributeExpression({ name: this.scan.attributeName() }, subStart);
    return { kind: 'valuePath', path, filter: { kind: 'logical', op: 'and', left: filter, right: last } };
  }

  // `attrExp` inside brackets: a bare sub-attribute name, no nested `[`.
  private valueTerm(): ValueFilter {
    const start = this.scan.pos;
    const path = this.scan.attributePath();
    if (this.scan.peek() === '[') this.scan.fail('value filters cannot nest: unexpected "["');
    if (path.schema !== undefined || path.subAttribute !== undefined) {
      this.scan.fail(`expected a sub-attribute name but found ${this.scan.describe(start)}`, start);
    }
    return this.attributeExpression(path, start);
  }

  // `[valFilter]` after `path`; the cursor is on the "[".
  private valuePath(path: AttributePath, start: number): ValueFilter {
    if (path.subAttribute !== undefined) {
      this.scan.fail(`a value filter cannot follow the sub-attribute ${this.scan.describe(start)}`, start);
    }
    const bracket = this.scan.pos;
    this.scan.eat('[');
    return this.nested(bracket, () => {
      const filter = this.or(this.valueGrammar);
      this.scan.expect(']');
      return filter;
    });
  }

  // `path pr` or `path op value`, after `path`.
  private attributeExpression(path: AttributePath, start: number): CompareFilter | PresentFilter {
    this.scan.skipWhitespace();
    const opStart = this.scan.pos;
    const word = this.scan.word();
    if (word === '') this.scan.fail(`expected an operator but found ${this.scan.describe(opStart)}`, opStart);
    const op = toOperator(word);
    if (op === undefined) {
      const named = this.scan.text.slice(start, opStart).trim().toLowerCase() === 'not';
      this.scan.fail(
        `unknown operator ${quote(word)}`,
        opStart,
        named ? '"not" must be followed by "("' : undefined,
      );
    }
    if (++this.terms > this.limits.maxTerms) {
      this.scan.fail(`${this.noun} has too many terms (at most ${this.limits.maxTerms})`, start);
    }
    if (op === 'pr') return { kind: 'present', path };
    this.scan.skipWhitespace();
    return { kind: 'compare', path, op, value: this.scan.value() };
  }

  private keyword(word: 'and' | 'or'): boolean {
    this.scan.skipWhitespace();
    if (this.scan.peekWord().toLowerCase() !== word) return false;
    this.scan.pos += word.length;
    return true;
  }

  private nested<T>(start: number, rule: () => T): T {
    if (++this.depth > this.limits.maxDepth) {
      this.scan.fail(`${this.noun} nests deeper than ${this.limits.maxDepth} levels`, start);
    }
    const result = rule();
    this.depth--;
    return result;
  }
}
