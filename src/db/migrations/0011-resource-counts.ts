/**
 * Each directory's number of users and groups, kept exact in the writing transaction (by `appendEvents`, which
 * already holds the directory row when a `user.created|deleted` or `group.created|deleted` event commits), so an
 * unfiltered list answers `totalResults` (RFC 7644 §3.4.2: exact for index paging) without counting a million
 * rows on every page of an IdP's import.
 */
export const name = '0011-resource-counts';

export const up = /* sql */ `
alter table directories
  add column user_count bigint not null default 0,
  add column group_count bigint not null default 0;

update directories d set
  user_count = (select count(*) from scim_users u where u.organization_id = d.organization_id and u.directory_id = d.id),
  group_count = (select count(*) from scim_groups g where g.organization_id = d.organization_id and g.directory_id = d.id);
`;
