/**
 * Stored resources rendered as SCIM JSON (RFC 7643 §3.1, §4): server-owned `id` and `meta`, `User.groups` from
 * memberships, `Group.members` from the membership table. `meta.version` is a weak ETag (RFC 7644 §3.14).
 */
import { isUuid } from '../shared/ids.js';
import { isJsonObject } from './attribute-values.js';
import { ENTERPRISE_USER_SCHEMA } from './core-schemas.js';

export interface StoredResource {
  id: string;
  resource: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface GroupRef {
  value: string;
  display: string;
  type: 'direct' | 'indirect';
}

export interface MemberView {
  value: string;
  display: string | null;
  type: 'User' | 'Group';
}

/** RFC 7644 §3.14: a weak entity tag derived from the resource's version counter. */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

function meta(row: Omit<StoredResource, 'resource'>, resourceType: 'User' | 'Group', location: string) {
  return {
    resourceType,
    created: row.created_at.toISOString(),
    lastModified: row.updated_at.toISOString(),
    location,
    version: etagOf(row.version),
  };
}

/** RFC 7643 §4.1.2: `User.groups` as rendered. */
function groupsOf(groups: readonly GroupRef[], baseUrl: string) {
  return groups.map((g) => ({
    value: g.value,
    $ref: `${baseUrl}/Groups/${g.value}`,
    display: g.display,
    type: g.type,
  }));
}

/** `baseUrl` is the directory's SCIM base, e.g. `https://roster.example.com/scim/v2/<directoryId>`. */
export function toScimUser(row: StoredResource, groups: readonly GroupRef[], baseUrl: string) {
  const { schemas, ...rest } = row.resource;
  const enterprise = rest[ENTERPRISE_USER_SCHEMA];
  if (isJsonObject(enterprise) && isJsonObject(enterprise.manager)) {
    rest[ENTERPRISE_USER_SCHEMA] = { ...enterprise, manager: withManagerRef(enterprise.manager, baseUrl) };
  }
  return {
    schemas,
    id: row.id,
    ...rest,
    ...(groups.length > 0 ? { groups: groupsOf(groups, baseUrl) } : {}),
    meta: meta(row, 'User', `${baseUrl}/Users/${row.id}`),
  };
}

/** A stored user as list pages read it: the resource as JSON text, the timestamps as ISO 8601 text. */
export interface StoredUserJson {
  readonly id: string;
  readonly resource_json: string;
  readonly version: number;
  readonly created: string;
  readonly last_modified: string;
}

/**
 * Renders {@link toScimUser} as JSON text for the users of one page, around each stored resource's JSON (an
 * object PostgreSQL wrote) without parsing it. What repeats across the page is escaped once: the location
 * prefix, and each group reference (a page of 1,000 users in 50 groups each has 50 distinct references, not
 * 50,000). The writer answers undefined when a resource needs rewriting first (an enterprise `manager`, whose
 * `$ref` is written at render time), so the caller renders that one from the parsed resource.
 */
export function userJsonWriter(
  baseUrl: string,
): (row: StoredUserJson, groups: readonly GroupRef[]) => string | undefined {
  const usersPrefix = JSON.stringify(`${baseUrl}/Users/`).slice(0, -1);
  const references = new Map<string, string>();
  // Users in the same groups share one list of references (see selectPage): its JSON is written once.
  const lists = new Map<readonly GroupRef[], string>();
  const reference = (g: GroupRef) => {
    const key = `${g.type}:${g.value}`;
    let text = references.get(key);
    if (text === undefined) {
      text = JSON.stringify(groupsOf([g], baseUrl)[0]);
      references.set(key, text);
    }
    return text;
  };
  return (row, groups) => {
    const stored = row.resource_json;
    if (stored.includes('"manager"') || !stored.startsWith('{') || !stored.endsWith('}')) return undefined;
    const inner = stored.slice(1, -1).trim();
    let groupsJson = lists.get(groups);
    if (groupsJson === undefined) {
      groupsJson = groups.length > 0 ? `,"groups":[${groups.map(reference).join(',')}]` : '';
      lists.set(groups, groupsJson);
    }
    // What `meta()` returns, in its order (the list test holds pages equal to GET by id). `id` is a uuid, the
    // version an integer and the timestamps ISO 8601 text: none needs escaping.
    const metaJson =
      `{"resourceType":"User","created":"${row.created}","lastModified":"${row.last_modified}",` +
      `"location":${usersPrefix}${row.id}","version":"W/\\"${row.version}\\""}`;
    return `{"id":"${row.id}"${inner ? `,${inner}` : ''}${groupsJson},"meta":${metaJson}}`;
  };
}

export function toScimGroup(
  row: StoredResource,
  members: readonly MemberView[] | undefined,
  baseUrl: string,
) {
  const { schemas, ...rest } = row.resource;
  return {
    schemas,
    id: row.id,
    ...rest,
    // An empty group shows `members: []` (Okta's test reads the list after removing the last member).
    ...(members
      ? {
          members: members.map((m) => ({
            value: m.value,
            $ref: `${baseUrl}/${m.type === 'User' ? 'Users' : 'Groups'}/${m.value}`,
            type: m.type,
            ...(m.display !== null ? { display: m.display } : {}),
          })),
        }
      : {}),
    meta: meta(row, 'Group', `${baseUrl}/Groups/${row.id}`),
  };
}

/**
 * RFC 7643 §4.3: `manager.$ref` is "the URI of the SCIM resource representing the User's manager". IdPs send
 * only `value`; when it is a Roster user id (a UUID) the URI is this directory's, so it is written here rather
 * than stored. Any other value (an IdP's own identifier) keeps whatever `$ref` the client sent.
 */
function withManagerRef(
  manager: Readonly<Record<string, unknown>>,
  baseUrl: string,
): Record<string, unknown> {
  const { value } = manager;
  if (typeof value !== 'string' || !isUuid(value)) return { ...manager };
  return { ...manager, $ref: `${baseUrl}/Users/${value.toLowerCase()}` };
}
