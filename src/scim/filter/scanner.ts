/**
 * The lexical layer of the filter and path grammars. The parser drives it token by token, because what a word
 * means depends on where it stands: `not`, `and`, `or`, `pr` and the operators are also valid attribute names.
 * Every failure names a zero-based position (a UTF-16 offset) in the text.
 */
import type { ScimError } from '../scim-error.js';
import type { AttributePath, CompareValue } from './ast.js';

// RFC 7643 §2.1: ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA; plus `$ref` (§2.3.7).
const ATTRNAME = /^(?:\$ref|[a-z][a-z0-9_-]*)$/i;

// A schema URN (RFC 8141 shape, `urn:<nid>:<nss>`), e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
const SCHEMA_URN = /^urn:[a-z0-9][a-z0-9-]*(?::[a-z0-9._~%+!$&'*,;=@/-]+)+$/i;

// RFC 8259 §6 number; RFC 7644 §3.4.2.2 takes `compValue` literals from JSON.
const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

// RFC 8259 §7 two-character escapes.
const ESCAPES = new Map([
  ['"', '"'],
  ['\\', '\\'],
  ['/', '/'],
  ['b', '\b'],
  ['f', '\f'],
  ['n', '\n'],
  ['r', '\r'],
  ['t', '\t'],
]);

const isWhitespace = (code: number): boolean =>
  code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;

// Printable ASCII other than the structural characters `"()[]`: what words, paths and bare literals use.
const STRUCTURAL = new Set([0x22, 0x28, 0x29, 0x5b, 0x5d]);
const isWordChar = (code: number): boolean => code > 0x20 && code < 0x7f && !STRUCTURAL.has(code);

/** Quotes a fragment of input for an error detail, escaped and shortened. */
export const quote = (text: string): string =>
  JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);

// Splits `[schema ":"] name ["." sub]`. The schema is everything before the last colon, so the dots in
// `...:2.0:User` never split the path; only the part after the last colon is split on its (single) dot.
function toAttributePath(text: string): AttributePath | undefined {
  const colon = text.lastIndexOf(':');
  const schema = colon < 0 ? undefined : text.slice(0, colon);
  if (schema !== undefined && !SCHEMA_URN.test(schema)) return undefined;
  const [name = '', subAttribute, ...rest] = text.slice(colon + 1).split('.');
  if (rest.length > 0 || !ATTRNAME.test(name)) return undefined;
  if (subAttribute !== undefined && !ATTRNAME.test(subAttribute)) return undefined;
  return {
    ...(schema === undefined ? {} : { schema }),
    name,
    ...(subAttribute === undefined ? {} : { subAttribute }),
  };
}

export class FilterScanner {
  pos = 0;

  constructor(
    readonly text: string,
    /** `filter` or `path`, for details such as "end of filter". */
    readonly noun: string,
    private readonly error: (detail: string) => ScimError,
  ) {}

  fail(message: string, at: number = this.pos, hint?: string): never {
    throw this.error(`${message} at position ${at}${hint === undefined ? '' : `; ${hint}`}`);
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  skipWhitespace(): void {
    while (isWhitespace(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** Consumes `char` if it is next (no whitespace skipped). */
  eat(char: string): boolean {
    if (this.text[this.pos] !== char) return false;
    this.pos++;
    return true;
  }

  /** Skips whitespace, then consumes `char` or fails. */
  expect(char: string): void {
    this.skipWhitespace();
    if (!this.eat(char)) this.fail(`expected ${quote(char)} but found ${this.describe()}`);
  }

  /** The token at `at`, for error details. */
  describe(at: number = this.pos): string {
    const char = this.text[at];
    if (char === undefined) return `end of ${this.noun}`;
    if (char === '"') return 'a string';
    const end = this.wordEnd(at);
    return quote(end > at ? this.text.slice(at, end) : char);
  }

  /** The word at the cursor, without consuming it; '' when none starts here. */
  peekWord(): string {
    return this.text.slice(this.pos, this.wordEnd(this.pos));
  }

  word(): string {
    const word = this.peekWord();
    this.pos += word.length;
    return word;
  }

  /** True when the next word is `word` (case-insensitive) and the first non-blank character after it is `then`. */
  lookingAt(word: string, then: string): boolean {
    if (this.peekWord().toLowerCase() !== word) return false;
    let i = this.pos + word.length;
    while (isWhitespace(this.text.charCodeAt(i))) i++;
    return this.text[i] === then;
  }

  attributePath(): AttributePath {
    const start = this.pos;
    const word = this.word();
    if (word === '') this.fail(`expected an attribute path but found ${this.describe(start)}`, start);
    return toAttributePath(word) ?? this.fail(`invalid attribute path ${quote(word)}`, start);
  }

  /** A bare ATTRNAME, as after `emails[...].`. */
  attributeName(): string {
    const start = this.pos;
    const word = this.word();
    if (word === '') this.fail(`expected a sub-attribute name but found ${this.describe(start)}`, start);
    if (!ATTRNAME.test(word)) this.fail(`invalid sub-attribute name ${quote(word)}`, start);
    return word;
  }

  /**
   * A JSON literal; `true`, `false` and `null` in any case, as IdPs send `True`. A bare word that is none of
   * those and no number is taken as a string: Microsoft's SCIM test collection and older Entra documentation
   * send `userName sw O` and `meta.created gt 2015-10-10T14:38:21.8617979-07:00` unquoted. Accepting them is a
   * superset of RFC 7644 §3.4.2.2; every quoted filter means what it meant.
   */
  value(): CompareValue {
    const start = this.pos;
    if (this.peek() === '"') return this.string();
    const word = this.word();
    if (word === '') this.fail(`expected a value but found ${this.describe(start)}`, start);
    const lower = word.toLowerCase();
    if (lower === 'true' || lower === 'false') return lower === 'true';
    if (lower === 'null') return null;
    if (!JSON_NUMBER.test(word)) return word;
    const number = Number(word);
    return Number.isFinite(number) ? number : this.fail(`number ${quote(word)} is out of range`, start);
  }

  // RFC 7644 §3.4.2.2: "String literals MUST be valid JSON strings" (RFC 8259 §7).
  private string(): string {
    const start = this.pos;
    const text = this.text;
    let out = '';
    let chunk = start + 1;
    let i = chunk;
    for (;;) {
      const code = text.charCodeAt(i);
      if (Number.isNaN(code)) this.fail('unterminated string starting', start);
      if (code === 0x22) break;
      if (code < 0x20) {
        const hex = code.toString(16).toUpperCase().padStart(4, '0');
        this.fail(`control character U+${hex} must be escaped in a string`, i);
      }
      if (code !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(chunk, i);
      const escape = text[i + 1];
      const simple = escape === undefined ? undefined : ESCAPES.get(escape);
      if (simple !== undefined) {
        out += simple;
        i += 2;
      } else if (escape === 'u' && /^[0-9a-f]{4}$/i.test(text.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
        i += 6;
      } else if (escape === undefined) {
        this.fail('unterminated string starting', start);
      } else {
        this.fail(`invalid escape ${quote(text.slice(i, escape === 'u' ? i + 6 : i + 2))} in a string`, i);
      }
      chunk = i;
    }
    this.pos = i + 1;
    return out + text.slice(chunk, i);
  }

  private wordEnd(from: number): number {
    let end = from;
    while (isWordChar(this.text.charCodeAt(end))) end++;
    return end;
  }
}
