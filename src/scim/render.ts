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

/**
 * {@link toScimUser} as JSON text, built around the stored resource's JSON (`resource_json`, an object PostgreSQL
 * wrote) without parsing it; undefined when the resource needs rewriting first (an enterprise `manager`, whose
 * `$ref` is written at render time), so the caller renders it from the parsed resource.
 */
export function toScimUserJson(
  row: Omit<StoredResource, 'resource'> & { resource_json: string },
  groups: readonly GroupRef[],
  baseUrl: string,
): string | undefined {
  const stored = row.resource_json;
  if (stored.includes('"manager"') || !stored.startsWith('{') || !stored.endsWith('}')) return undefined;
  const inner = stored.slice(1, -1).trim();
  const groupsJson = groups.length > 0 ? `,"groups":${JSON.stringify(groupsOf(groups, baseUrl))}` : '';
  const metaJson = JSON.stringify(meta(row, 'User', `${baseUrl}/Users/${row.id}`));
  return `{"id":${JSON.stringify(row.id)}${inner ? `,${inner}` : ''}${groupsJson},"meta":${metaJson}}`;
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
