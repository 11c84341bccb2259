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

/** Where a cursor page starts: after an id (forward) or before one (a previous page). */
export interface Keyset {
  direction: 'after' | 'before';
  id: string;
  /** `totalResults` as counted on the first page of this cursor walk. */
  total?: number;
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
  let where = filter ? compileFilter(filter, table) : sql`true`;
  const keyLookup = keyLookupIn(q, filter, table);
  const generic = keyLookup !== undefined || (filter !== undefined && isPrefixFilter(filter, table));
  if (keyset) {
    where =
      keyset.direction === 'after'
        ? sql`(${where}) and r.id > ${keyset.id}`
        : sql`(${where}) and r.id < ${keyset.id}`;
  }
  if (keyset?.direction === 'before') {
    // Read the previous page backwards from the cursor (one extra row tells whether there is another before it).
    return { where, orderBy: sql`r.id desc`, offset: 0, limit: q.count + 1, keyLookup, generic };
  }
  const direction = q.sortOrder === 'descending' ? sql`desc` : sql`asc`;
  // RFC 7644 §3.4.2.3: sorting is stable here because the id breaks every tie, and resources without a value
  // are "ordered last if ascending and first if descending", which is PostgreSQL's default order of nulls (and
  // what an index read forwards or backwards yields).
  const orderBy = q.sortBy
    ? sql`${compileSortKey(q.sortBy, table)} ${direction}, r.id ${direction}`
    : sql`r.id ${direction}`;
  // Cursor pages read one extra row to know whether a next page exists.
  if (q.startIndex === undefined)
    return { where, orderBy, offset: 0, limit: q.count + 1, keyLookup, generic };
  return { where, orderBy, offset: q.startIndex - 1, limit: q.count, keyLookup, generic };
}

/**
 * RFC 9865 cursors are opaque: base64url of a direction, an id and the walk's `totalResults`
 * (`a:<id>:<total>`). Keyset order is by id.
 */
export function decodeCursor(q: ListQuery): Keyset | undefined {
  if (q.cursor === undefined || q.cursor === '') return undefined;
  if (q.sortBy) throw ScimError.invalidValue('cursor paging is by id; sortBy cannot be combined with cursor');
  const text = Buffer.from(q.cursor, 'base64url').toString('utf8');
  const [prefix, id, total] = text.split(':');
  const direction = prefix === 'a' ? 'after' : prefix === 'b' ? 'before' : undefined;
  if (!direction || !id || !isUuid(id) || (total !== undefined && !/^\d{1,12}$/.test(total))) {
    throw ScimError.invalidCursor('the cursor is not one this server issued');
  }
  return { direction, id, ...(total !== undefined ? { total: Number(total) } : {}) };
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
export function cursorPage<T extends { id: string }>(
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
  const encode = (prefix: 'a' | 'b', id: string) =>
    Buffer.from(`${prefix}:${id}:${total}`).toString('base64url');
  const hasNext = last !== undefined && (backwards || extra);
  const hasPrevious = first !== undefined && keyset !== undefined && (!backwards || extra);
  return {
    rows,
    ...(hasNext ? { nextCursor: encode('a', last.id) } : {}),
    ...(hasPrevious ? { previousCursor: encode('b', first.id) } : {}),
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
