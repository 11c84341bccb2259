/**
 * Stored resources rendered as SCIM JSON (RFC 7643 §3.1, §4): server-owned `id` and `meta`, `User.groups` from
 * memberships, `Group.members` from the membership table. `meta.version` is a weak ETag (RFC 7644 §3.14).
 */
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

function meta(row: StoredResource, resourceType: 'User' | 'Group', location: string) {
  return {
    resourceType,
    created: row.created_at.toISOString(),
    lastModified: row.updated_at.toISOString(),
    location,
    version: etagOf(row.version),
  };
}

/** `baseUrl` is the directory's SCIM base, e.g. `https://roster.example.com/scim/v2/<directoryId>`. */
export function toScimUser(row: StoredResource, groups: readonly GroupRef[], baseUrl: string) {
  const { schemas, ...rest } = row.resource;
  return {
    schemas,
    id: row.id,
    ...rest,
    ...(groups.length > 0
      ? {
          groups: groups.map((g) => ({
            value: g.value,
            $ref: `${baseUrl}/Groups/${g.value}`,
            display: g.display,
            type: g.type,
          })),
        }
      : {}),
    meta: meta(row, 'User', `${baseUrl}/Users/${row.id}`),
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
