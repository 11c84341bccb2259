/**
 * The read API's `state` filter (`GET /directories/{id}/users?state=inactive`) as an index range in id order.
 * Without it a page of a rare state scans the primary key until it has found a page: at 1M users with 0.1%
 * inactive, ~100k rows per page. The other read-API filters already have their index (0002): email
 * (scim_user_emails lower(value)), groupId (the membership primary key), updatedAfter (scim_users_updated).
 * Numbered 0007 because 0006 is taken by concurrent work; the runner applies by name, in list order.
 */
export const name = '0007-read-api-indexes';

export const up = /* sql */ `
create index scim_users_active on scim_users (organization_id, directory_id, active, id);
`;
