/**
 * Foreign keys off the hottest insert paths. PostgreSQL checks a foreign key with one query per inserted row:
 * adding 100 members to a group ran 100 checks against `scim_groups` (measured: that insert took 3.7 ms with
 * them, 1.4 ms without), and every event row was checked against `organizations` twice (queue, then log).
 * What those keys gave is kept another way:
 *
 * - a membership's group exists: every membership write holds its group FOR UPDATE (so the group cannot go
 *   meanwhile), group deletion removes its memberships first, and a deleted directory (or organization, whose
 *   deletion cascades to its directories) removes its memberships in the trigger below;
 * - events and queued events go with their organization: the trigger below deletes them (events outlive their
 *   directory on purpose: `directory.deleted` stays readable).
 *
 * `directory_events_id_key` goes too: ids are UUIDv7 drawn by Roster (74 random bits per millisecond), unique
 * by construction, and nothing looks an event up by id; the index cost every event an extra index insert.
 */
export const name = '0013-hot-path-constraints';

export const up = /* sql */ `
alter table scim_group_members drop constraint scim_group_members_organization_id_directory_id_group_id_fkey;
alter table directory_events drop constraint directory_events_organization_id_fkey;
alter table directory_event_queue drop constraint directory_event_queue_organization_id_fkey;
drop index directory_events_id_key;

create function roster_directory_deleted() returns trigger language plpgsql as $$
begin
  delete from scim_group_members where organization_id = old.organization_id and directory_id = old.id;
  return null;
end $$;
create trigger directories_memberships_deleted
  after delete on directories for each row execute function roster_directory_deleted();

create function roster_organization_deleted() returns trigger language plpgsql as $$
begin
  delete from directory_events where organization_id = old.id;
  delete from directory_event_queue where organization_id = old.id;
  return null;
end $$;
create trigger organizations_events_deleted
  after delete on organizations for each row execute function roster_organization_deleted();
`;
