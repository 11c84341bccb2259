/**
 * Shared list mechanics for Users and Groups: filter and sort compiled to SQL, index paging with an exact
 * `totalResults`, and keyset cursors (RFC 9865) so the millionth row costs what the first does.
 */
import { type Query, sql } from '../db/database.js';
import { type ResourceTable, compileFilter, compileSortKey } from '../db/filter-sql.js';
import { parseScimFilter } from '../scim/filter/parse.js';
import type { ListQuery } from '../scim/list-response.js';
import { ScimError } from '../scim/scim-error.js';
import { isUuid } from '../shared/ids.js';

export interface ListPlan {
  where: Query;
  orderBy: Query;
  offset: number;
  limit: number;
}

export interface CursorPlan {
  /** The id the page starts after; undefined for the first page. */
  after: string | undefined;
}

/** Compiles the query's filter and sort into SQL over alias `r`. */
export function planList(q: ListQuery, table: ResourceTable, keysetAfter?: string): ListPlan {
  let where = q.filter ? compileFilter(parseScimFilter(q.filter), table) : sql`true`;
  if (keysetAfter) where = sql`(${where}) and r.id > ${keysetAfter}`;
  const direction = q.sortOrder === 'descending' ? sql`desc` : sql`asc`;
  // RFC 7644 §3.4.2.3: sorting is stable here because the id breaks every tie.
  const orderBy = q.sortBy
    ? sql`${compileSortKey(q.sortBy, table)} ${direction} nulls last, r.id ${direction}`
    : sql`r.id ${direction}`;
  return { where, orderBy, offset: q.startIndex === undefined ? 0 : q.startIndex - 1, limit: q.count };
}

/** RFC 9865 cursors are opaque: base64url of the last id served. Keyset order is by id. */
export function decodeCursor(q: ListQuery): string | undefined {
  if (q.cursor === undefined || q.cursor === '') return undefined;
  if (q.sortBy) throw ScimError.invalidValue('cursor paging is by id; sortBy cannot be combined with cursor');
  const id = Buffer.from(q.cursor, 'base64url').toString('utf8');
  if (!isUuid(id)) throw ScimError.invalidCursor('the cursor is not one this server issued');
  return id;
}

export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url');
}
