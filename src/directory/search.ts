/**
 * `POST /.search` at the directory root (RFC 7644 §3.4.3): one filter over every resource type. A filter naming
 * an attribute a type does not have matches nothing of that type; results are Users then Groups, paged by index
 * over that order.
 */
import type { Pool } from '../db/database.js';
import { type ResourceTable, compileFilter } from '../db/filter-sql.js';
import { parseScimFilter } from '../scim/filter/parse.js';
import type { ListQuery } from '../scim/list-response.js';
import { ScimError } from '../scim/scim-error.js';
import { type GroupResult, listGroups } from './groups.js';
import type { DirectoryModel } from './directory-model.js';
import type { DirectoryScope } from './scope.js';
import { type UserResult, listUsers } from './users.js';

export type SearchHit = { kind: 'User'; result: UserResult } | { kind: 'Group'; result: GroupResult };

export async function searchDirectory(
  pool: Pool,
  scope: DirectoryScope,
  model: DirectoryModel,
  q: ListQuery,
  loadMembers: boolean,
): Promise<{ hits: SearchHit[]; totalResults: number }> {
  if (q.cursor !== undefined)
    throw ScimError.invalidValue('a search across resource types pages by startIndex');
  const applies = typesFor(model, q.filter);
  const counted = { ...q, count: 0, startIndex: 1 };
  const userTotal = applies.users ? (await listUsers(pool, scope, model, counted)).totalResults : 0;
  const groupTotal = applies.groups ? (await listGroups(pool, scope, model, counted, false)).totalResults : 0;
  const offset = (q.startIndex ?? 1) - 1;
  const hits: SearchHit[] = [];
  const userCount = Math.max(0, Math.min(q.count, userTotal - offset));
  if (userCount > 0) {
    const page = await listUsers(pool, scope, model, { ...q, startIndex: offset + 1, count: userCount });
    hits.push(...page.results.map((result) => ({ kind: 'User' as const, result })));
  }
  const groupCount = q.count - userCount;
  const groupOffset = Math.max(0, offset - userTotal);
  if (groupCount > 0 && groupOffset < groupTotal) {
    const page = await listGroups(
      pool,
      scope,
      model,
      { ...q, startIndex: groupOffset + 1, count: groupCount },
      loadMembers,
    );
    hits.push(...page.results.map((result) => ({ kind: 'Group' as const, result })));
  }
  return { hits, totalResults: userTotal + groupTotal };
}

/** Which resource types a filter can match: those whose schemas define every attribute it names. */
function typesFor(model: DirectoryModel, filter: string | undefined): { users: boolean; groups: boolean } {
  if (!filter) return { users: true, groups: true };
  const parsed = parseScimFilter(filter);
  const compiles = (table: ResourceTable): ScimError | undefined => {
    try {
      compileFilter(parsed, table);
      return undefined;
    } catch (error) {
      if (error instanceof ScimError) return error;
      throw error;
    }
  };
  const userError = compiles(model.users);
  const groupError = compiles(model.groups);
  if (userError && groupError) throw userError;
  return { users: !userError, groups: !groupError };
}
