/**
 * Shared list mechanics for Users and Groups: filter and sort compiled to SQL, index paging with an exact
 * `totalResults`, and keyset cursors (RFC 9865) so the millionth row costs what the first does.
 */
import { type Query, sql } from '../db/database.js';
import { type ResourceTable, compileFilter, compileSortKey, isPrefixFilter } from '../db/filter-sql.js';
import { resolveAttribute } from '../scim/attributes.js';
import type { CompareValue, Filter } from '../scim/filter/ast.js';
import { parseScimFilter } from '../scim/filter/parse.js';
import { printAttributePath } from '../scim/filter/print.js';
import type { ListQuery } from '../scim/list-response.js';
import { ScimError } from '../scim/scim-error.js';
import { isUuid } from '../shared/ids.js';

export interface ListPlan {
  where: Query;
  orderBy: Query;
  offset: number;
  limit: number;
  /**
   * Set when the best plan is the same whatever the values: one `eq` on a key attribute (the lookups IdPs send
   * before every write) and no sortBy. Such pages run as prepared statements. Unfiltered pages are not: a
   * generic plan cannot see how deep `offset` goes.
   */
  keyLookup?: KeyLookup | undefined;
  /**
   * Set when the page's best plan is the same whatever the values, so it runs as a prepared statement (planning
   * was a third of PostgreSQL's time for a page of 100): a key lookup, or one `sw` that compiles to an index
   * range (`isPrefixFilter`), with any sort.
   */
  generic?: boolean;
  /** A cursor walk with `sortBy`: the sort key, which the page selects as `sort_key` text for its cursors. */
  sortKey?: Query;
  /**
   * A sorted cursor page whose rows may run on past its segment (rows with a value, rows without: see
   * {@link planList}): the statement for the next segment, read when this one has fewer than `limit` rows.
   */
  then?: ListPlan;
}

/** `<key attribute> eq <value>`: the attribute's canonical path (`userName`) and the value compared. */
export interface KeyLookup {
  readonly path: string;
  readonly value: CompareValue;
}

/** Attributes an `eq` lookup of which is one probe of a b-tree index whatever the value. */
const KEY_ATTRIBUTES: Record<ResourceTable['kind'], ReadonlySet<string>> = {
  User: new Set(['id', 'userName', 'externalId']),
  Group: new Set(['id', 'displayName', 'externalId']),
};

function keyLookupOf(filter: Filter | undefined, table: ResourceTable): KeyLookup | undefined {
  if (filter?.kind !== 'compare' || filter.op !== 'eq' || filter.path.subAttribute !== undefined)
    return undefined;
  const resolved = resolveAttribute(table.schemas, printAttributePath(filter.path));
  if (!resolved || resolved.extension || !KEY_ATTRIBUTES[table.kind].has(resolved.path)) return undefined;
  return { path: resolved.path, value: filter.value };
}

/** Where a cursor page starts: after a row (forward) or before one (a previous page). */
export interface Keyset {
  direction: 'after' | 'before';
  id: string;
  /** `totalResults` as counted on the first page of this cursor walk. */
  total?: number;
  /** A walk with `sortBy`: the row's sort key as text (null: the row has no value). */
  sorted?: { key: string | null };
}

/** The query's filter, parsed (400 `invalidFilter` when it does not parse). */
export function listFilter(q: ListQuery): Filter | undefined {
  return q.filter ? parseScimFilter(q.filter) : undefined;
}

/** The key lookup a list query is, if it is one (see {@link ListPlan.keyLookup}), before any SQL is compiled. */
export function keyLookupIn(
  q: ListQuery,
  filter: Filter | undefined,
  table: ResourceTable,
): KeyLookup | undefined {
  return q.sortBy ? undefined : keyLookupOf(filter, table);
}

/** Compiles the query's filter (`listFilter`) and sort into SQL over alias `r`. */
export function planList(
  q: ListQuery,
  table: ResourceTable,
  keyset?: Keyset,
  filter: Filter | undefined = listFilter(q),
): ListPlan {
  const filtered = filter ? compileFilter(filter, table) : sql`true`;
  const keyLookup = keyLookupIn(q, filter, table);
  const generic = keyLookup !== undefined || (filter !== undefined && isPrefixFilter(filter, table));
  const sortKey = q.sortBy ? compileSortKey(q.sortBy, table) : undefined;
  // Cursor pages read one extra row to know whether a next page exists.
  const limit = q.startIndex === undefined ? q.count + 1 : q.count;
  const offset = q.startIndex === undefined ? 0 : q.startIndex - 1;
  // A previous page is read backwards from the cursor (the caller restores the order).
  const descending = (q.sortOrder === 'descending') !== (keyset?.direction === 'before');
  const direction = descending ? sql`desc` : sql`asc`;
  // RFC 7644 §3.4.2.3: sorting is stable here because the id breaks every tie, and resources without a value
  // are "ordered last if ascending and first if descending", which is PostgreSQL's default order of nulls (and
  // what an index read forwards or backwards yields). Descending is exactly ascending reversed.
  const orderBy = sortKey ? sql`${sortKey} ${direction}, r.id ${direction}` : sql`r.id ${direction}`;
  const page = { orderBy, offset, limit, keyLookup, generic };
  const withKey = q.cursor !== undefined && sortKey ? { sortKey } : {};
  if (!keyset) return { where: filtered, ...page, ...withKey };
  const afterId = descending ? sql`r.id < ${keyset.id}` : sql`r.id > ${keyset.id}`;
  if (!sortKey || !keyset.sorted) return { where: sql`(${filtered}) and ${afterId}`, ...page };
  // RFC 9865, Sorting: "If sorting is implemented ..., then cursor-paged results SHOULD be sorted". The walk has
  // two segments, rows with a value in (key, id) order and rows without one in id order: ascending reads the
  // first, then the second; descending the reverse. A row comparison on (key, id) is a range of the key's index
  // where there is one (migration 0022), so a deep page costs what the first does; it is null, so false, for
  // rows without a value.
  const { key } = keyset.sorted;
  const keyed = (where: Query) => ({ where, ...page, sortKey });
  const nulls = sql`(${filtered}) and ${sortKey} is null`;
  const valued = sql`(${filtered}) and ${sortKey} is not null`;
  if (key === null) {
    const here = keyed(sql`${nulls} and ${afterId}`);
    return descending ? { ...here, then: keyed(valued) } : here;
  }
  const past = descending ? sql`<` : sql`>`;
  const here = keyed(sql`(${filtered}) and (${sortKey}, r.id) ${past} (${key}, ${keyset.id})`);
  return descending ? here : { ...here, then: keyed(nulls) };
}

/**
 * RFC 9865 cursors are opaque: base64url of a direction, an id and the walk's `totalResults`
 * (`a:<id>:<total>`), keyset order by id. A walk with `sortBy` carries JSON instead, with the row's sort key and
 * the walk's sort, so that a cursor used with another sort is refused rather than misread.
 */
export function decodeCursor(q: ListQuery): Keyset | undefined {
  if (q.cursor === undefined || q.cursor === '') return undefined;
  const text = Buffer.from(q.cursor, 'base64url').toString('utf8');
  const keyset = text.startsWith('{') ? sortedKeyset(text, q) : idKeyset(text, q);
  if (!keyset) throw ScimError.invalidCursor('the cursor is not one this server issued');
  if (keyset === 'other sort') {
    throw ScimError.invalidCursor(
      'the cursor belongs to a walk with another sortBy or sortOrder; send the same query with each cursor',
    );
  }
  return keyset;
}

const TOTAL = /^\d{1,12}$/;

/** A cursor as issued, `'other sort'` when it was issued for a walk sorted otherwise, else undefined. */
type Decoded = Keyset | 'other sort' | undefined;

function idKeyset(text: string, q: ListQuery): Decoded {
  const [prefix, id, total] = text.split(':');
  const direction = prefix === 'a' ? 'after' : prefix === 'b' ? 'before' : undefined;
  if (!direction || !id || !isUuid(id) || (total !== undefined && !TOTAL.test(total))) return undefined;
  if (q.sortBy !== undefined) return 'other sort';
  return { direction, id, ...(total !== undefined ? { total: Number(total) } : {}) };
}

/** `{"d":"a"|"b","i":<id>,"t":<total>,"s":<sortBy>,"o":"a"|"d","k":<key text>|null}`. */
function sortedKeyset(text: string, q: ListQuery): Decoded {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { d, i, t, s, o, k } = value as Record<string, unknown>;
  const direction = d === 'a' ? 'after' : d === 'b' ? 'before' : undefined;
  if (!direction || typeof i !== 'string' || !isUuid(i) || typeof s !== 'string') return undefined;
  if ((o !== 'a' && o !== 'd') || (k !== null && typeof k !== 'string')) return undefined;
  if (t !== undefined && (typeof t !== 'number' || !TOTAL.test(String(t)))) return undefined;
  if (s !== q.sortBy || o !== sortOrderCode(q)) return 'other sort';
  return { direction, id: i, ...(t !== undefined ? { total: t } : {}), sorted: { key: k } };
}

const sortOrderCode = (q: ListQuery) => (q.sortOrder === 'descending' ? 'd' : 'a');

function encodeCursor(q: ListQuery, direction: 'a' | 'b', row: CursorRow, total: number): string {
  const text = q.sortBy
    ? JSON.stringify({
        d: direction,
        i: row.id,
        t: total,
        s: q.sortBy,
        o: sortOrderCode(q),
        k: row.sort_key ?? null,
      })
    : `${direction}:${row.id}:${total}`;
  return Buffer.from(text).toString('base64url');
}

/** What a cursor is made of: the row's id, and its sort key in a walk with `sortBy` (`ListPlan.sortKey`). */
export interface CursorRow {
  readonly id: string;
  readonly sort_key?: string | null;
}

/**
 * Runs a page's reads. A sorted cursor's key is bound as a parameter of the sort key's type (a number, a
 * dateTime, ...), and a forged one that is no such value fails in PostgreSQL with a data exception (SQLSTATE
 * class 22): that is a bad cursor (400 `invalidCursor`), not a server error.
 */
export async function readingCursor<T>(keyset: Keyset | undefined, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (keyset?.sorted && typeof code === 'string' && code.startsWith('22')) {
      throw ScimError.invalidCursor('the cursor is not one this server issued');
    }
    throw error;
  }
}

/** A page's `rows` read by `plan`, and its next segment's (`ListPlan.then`) for the rows still missing. */
export async function withNextSegment<R>(
  plan: ListPlan,
  rows: R[],
  read: (next: ListPlan) => Promise<R[]>,
): Promise<R[]> {
  if (!plan.then || rows.length >= plan.limit) return rows;
  return rows.concat(await read({ ...plan.then, limit: plan.limit - rows.length }));
}

/**
 * `totalResults` of a page. Index paging: exact (see `totalOf`). Cursor paging (RFC 9865): counted on the first
 * page of a walk, unless that page holds the whole list, and carried in the cursors after that, so later pages
 * cost only their keyset read; it is the total as of the walk's start.
 */
export async function pageTotal(
  q: ListQuery,
  plan: ListPlan,
  keyset: Keyset | undefined,
  fetched: number,
  count: () => Promise<number>,
): Promise<number> {
  if (keyset?.total !== undefined) return keyset.total;
  if (q.cursor !== undefined) return !keyset && fetched <= q.count ? fetched : count();
  if (q.startIndex === undefined) return count();
  return totalOf(q, plan, fetched, count);
}

/**
 * Trims a cursor page read with one extra row, restores ascending order, and computes the cursors around it:
 * a next page exists when a row follows the page, a previous one when a row precedes it.
 */
export function cursorPage<T extends CursorRow>(
  fetched: T[],
  q: ListQuery,
  keyset: Keyset | undefined,
  total: number,
): { rows: T[]; nextCursor?: string; previousCursor?: string } {
  if (q.cursor === undefined) return { rows: fetched };
  const backwards = keyset?.direction === 'before';
  const extra = fetched.length > q.count;
  const rows = fetched.slice(0, q.count);
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows.at(-1);
  const hasNext = last !== undefined && (backwards || extra);
  const hasPrevious = first !== undefined && keyset !== undefined && (!backwards || extra);
  return {
    rows,
    ...(hasNext ? { nextCursor: encodeCursor(q, 'a', last, total) } : {}),
    ...(hasPrevious ? { previousCursor: encodeCursor(q, 'b', first, total) } : {}),
  };
}

/**
 * `totalResults` without a count query when the page itself tells it: a first index page that is not full holds
 * every match, and a later non-empty page that is not full ends the list. Otherwise `count` runs. IdP lookups
 * (`userName eq`, `externalId eq`) are first pages with one row, so they never pay for the count.
 */
export async function totalOf(
  q: ListQuery,
  plan: ListPlan,
  rowsOnPage: number,
  count: () => Promise<number>,
): Promise<number> {
  const notFull = rowsOnPage < q.count;
  if (q.startIndex !== undefined && notFull && (plan.offset === 0 || rowsOnPage > 0))
    return plan.offset + rowsOnPage;
  return count();
}
