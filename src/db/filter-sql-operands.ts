/**
 * One SQL value a SCIM comparison can be made against (an `Operand`), and the SQL for each operator of RFC 7644
 * §3.4.2.2 on it. An operand is a hot column (`r.user_name`), a row column of a multi-valued attribute
 * (`e.value`), or a JSONB node of the stored resource. Every literal becomes a bind parameter.
 */
import { isUuid } from '../shared/ids.js';
import type { CompareOp, CompareValue } from '../scim/filter/ast.js';
import type { ScimError } from '../scim/scim-error.js';
import { type Query as Sql, raw, sql } from './database.js';

/** What a SQL expression holds, which decides the operators it accepts (RFC 7644 §3.4.2.2). */
export type Operand =
  /**
   * Text; compared through `lower()` on both sides unless `caseExact` (RFC 7643 §2.2). `lowerIndexed`: an
   * index holds `(lower(expr) collate "C", id)` (the hot columns of migration 0022), so comparisons, `sw` ranges
   * and sorting are made in that collation, and read that index.
   */
  | {
      readonly kind: 'text';
      readonly expr: Sql;
      readonly caseExact: boolean;
      readonly binary?: boolean;
      readonly lowerIndexed?: boolean;
    }
  /** A `uuid` column: `id`, `members.value`, `groups.value`. */
  | { readonly kind: 'uuid'; readonly expr: Sql }
  /** A SQL `boolean`. */
  | { readonly kind: 'boolean'; readonly expr: Sql }
  /** A SQL `timestamptz`. */
  | { readonly kind: 'timestamp'; readonly expr: Sql }
  /** A `jsonb` node holding a JSON boolean or number. */
  | { readonly kind: 'jsonBoolean' | 'jsonNumber'; readonly expr: Sql };

/** Makes the error to throw; `ScimError.invalidFilter` for filters. */
export type Failure = (detail: string) => ScimError;

const ORDERING = new Set<CompareOp>(['gt', 'ge', 'lt', 'le']);
const SQL_ORDERING = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

/** Escapes `\`, `%` and `_` so that `value` matches itself in a `like` pattern (default escape `\`). */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))?$/i;

/**
 * RFC 7643 §2.3.5: an `xsd:dateTime`, e.g. `2011-05-13T04:42:34Z`; without a zone it is taken as UTC. Returns the
 * text to cast to `timestamptz`, or `undefined` when it is not a valid date-time (PostgreSQL would reject it).
 */
export function toTimestamp(value: string): string | undefined {
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map(Number);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const valid =
    year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59;
  const offsetValid = match[9] === undefined || (Number(match[9]) <= 14 && Number(match[10]) <= 59);
  // RFC 7643 §2.3.5 forbids leap seconds.
  if (!valid || second > 59 || !offsetValid) return undefined;
  return match[8] === undefined ? `${value}Z` : value;
}

/** `path pr` (RFC 7644 §3.4.2.2): the value is present and, for text, not empty. Never SQL `null`. */
export function present(operand: Operand): Sql {
  switch (operand.kind) {
    case 'text':
      return sql`coalesce(${operand.expr}, '') <> ''`;
    case 'jsonBoolean':
    case 'jsonNumber':
      return sql`coalesce(jsonb_typeof(${operand.expr}), 'null') <> 'null'`;
    default:
      return sql`${operand.expr} is not null`;
  }
}

/**
 * `path op value` on `operand`; `label` names the attribute in errors. `ne` is `is distinct from`, so an absent
 * value is "not equal" rather than unknown. `eq null`/`ne null` are handled by the caller as `not pr`/`pr`.
 */
export function compare(
  operand: Operand,
  op: CompareOp,
  value: CompareValue,
  label: string,
  fail: Failure,
): Sql {
  const reject = (why: string) => fail(`${why} for the attribute "${label}"`);
  switch (operand.kind) {
    case 'text':
      if (typeof value !== 'string') throw reject(`${JSON.stringify(value)} is not a string value`);
      // RFC 7644 §3.4.2.2: ordering operators on binary attributes SHALL fail with invalidFilter.
      if (operand.binary && ORDERING.has(op)) throw reject(`operator "${op}" is not supported`);
      return compareText(operand, op, value);
    case 'uuid':
      if (typeof value !== 'string') throw reject(`${JSON.stringify(value)} is not a string value`);
      return compareUuid(operand.expr, op, value);
    case 'boolean':
    case 'jsonBoolean': {
      // RFC 7644 §3.4.2.2: gt/ge/lt/le on booleans SHALL fail; co/sw/ew compare strings.
      if (op !== 'eq' && op !== 'ne') throw reject(`operator "${op}" is not supported`);
      if (typeof value !== 'boolean') throw reject(`${JSON.stringify(value)} is not a boolean value`);
      const right =
        operand.kind === 'boolean' ? sql`${value}::boolean` : sql`${JSON.stringify(value)}::jsonb`;
      return op === 'eq' ? sql`${operand.expr} = ${right}` : sql`${operand.expr} is distinct from ${right}`;
    }
    case 'timestamp': {
      if (op === 'co' || op === 'sw' || op === 'ew') throw reject(`operator "${op}" is not supported`);
      const text = typeof value === 'string' ? toTimestamp(value) : undefined;
      if (text === undefined) throw reject(`${JSON.stringify(value)} is not a valid dateTime value`);
      return compareOrdered(operand.expr, op, sql`${text}::timestamptz`);
    }
    case 'jsonNumber': {
      if (op === 'co' || op === 'sw' || op === 'ew') throw reject(`operator "${op}" is not supported`);
      if (typeof value !== 'number') throw reject(`${JSON.stringify(value)} is not a number value`);
      const right = sql`${JSON.stringify(value)}::jsonb`;
      // jsonb orders numbers below booleans, objects and arrays: only compare numbers with numbers.
      const ordered = compareOrdered(operand.expr, op, right);
      return ORDERING.has(op) ? sql`(jsonb_typeof(${operand.expr}) = 'number' and ${ordered})` : ordered;
    }
  }
}

// `eq`/`ne`/`gt`/`ge`/`lt`/`le` with `right` already typed.
function compareOrdered(left: Sql, op: Exclude<CompareOp, 'co' | 'sw' | 'ew'>, right: Sql): Sql {
  if (op === 'eq') return sql`${left} = ${right}`;
  if (op === 'ne') return sql`${left} is distinct from ${right}`;
  // `raw` only ever receives one of the four constant operators above.
  return sql`${left} ${raw(SQL_ORDERING[op])} ${right}`;
}

/**
 * Whether `operand sw value` compiles to an index range whose bounds are parameters (migration 0018), which a
 * generic plan of a prepared statement uses as well as a custom one. A prefix of nothing but U+10FFFF has no end.
 */
export function isPrefixRange(operand: Operand, value: CompareValue): boolean {
  return (
    operand.kind === 'text' &&
    operand.lowerIndexed === true &&
    !operand.caseExact &&
    typeof value === 'string' &&
    /[^\u{10FFFF}]/u.test(value)
  );
}

/**
 * The text a case-insensitive operand compares and sorts by: `lower(expr)`, in the "C" collation (byte order,
 * which in UTF-8 is code point order) where an index holds it that way (migration 0022).
 */
function lowered(operand: Operand & { kind: 'text' }): Sql {
  return operand.lowerIndexed === true
    ? sql`(lower(${operand.expr}) collate "C")`
    : sql`lower(${operand.expr})`;
}

// RFC 7643 §2.2 caseExact false: `lower()` on both sides, so `lower(r.user_name)` matches its index.
function compareText(operand: Operand & { kind: 'text' }, op: CompareOp, value: string): Sql {
  const { expr, caseExact } = operand;
  const left = caseExact ? expr : lowered(operand);
  const param = (text: string) => (caseExact ? sql`${text}` : sql`lower(${text})`);
  switch (op) {
    case 'co':
      return sql`${left} like ${param(`%${escapeLike(value)}%`)}`;
    case 'sw': {
      // A `like` prefix pattern uses an index only when PostgreSQL plans with the pattern in hand. The range
      // from the lowered prefix to its end (migration 0018) holds exactly the texts that start with it (in the
      // "C" collation of `left`, UTF-8 byte order is code point order), and a generic plan reads it too.
      if (!isPrefixRange(operand, value)) return sql`${left} like ${param(`${escapeLike(value)}%`)}`;
      return sql`(${left} >= lower(${value}) and ${left} < roster_prefix_end(lower(${value})))`;
    }
    case 'ew':
      return sql`${left} like ${param(`%${escapeLike(value)}`)}`;
    default:
      return compareOrdered(left, op, param(value));
  }
}

// A `uuid` never equals a string that is not one: compile to a constant rather than fail the cast.
function compareUuid(expr: Sql, op: CompareOp, value: string): Sql {
  const lower = value.toLowerCase();
  switch (op) {
    case 'eq':
      return isUuid(value) ? sql`${expr} = ${lower}::uuid` : sql`false`;
    case 'ne':
      return isUuid(value) ? sql`${expr} is distinct from ${lower}::uuid` : sql`true`;
    default:
      // A uuid's text is lowercase hex, so lowering the value makes the comparison case-insensitive.
      return compareText({ kind: 'text', expr: sql`${expr}::text`, caseExact: true }, op, lower);
  }
}

/** The expression `order by` uses for `operand` (RFC 7644 §3.4.2.3); case-insensitive text sorts by `lower()`. */
export function sortExpression(operand: Operand): Sql {
  switch (operand.kind) {
    case 'text':
      return operand.caseExact ? operand.expr : lowered(operand);
    case 'jsonBoolean':
      return sql`case when jsonb_typeof(${operand.expr}) = 'boolean' then (${operand.expr})::boolean end`;
    case 'jsonNumber':
      return sql`case when jsonb_typeof(${operand.expr}) = 'number' then (${operand.expr})::numeric end`;
    default:
      return operand.expr;
  }
}
