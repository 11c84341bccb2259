/**
 * Per-directory schema extensions (RFC 7643 §7 documents) and the directory's model version. The version is
 * bumped in the transaction of every change to what a directory's resources are made of (its schemas, later its
 * attribute mapping); it travels with the authenticated principal, so the trigger of 0003 watches it and every
 * node's credential cache, and with it the node's cached model, is refreshed within a NOTIFY round trip.
 */
export const name = '0009-directory-schemas';

export const up = /* sql */ `
alter table directories add column model_version integer not null default 0;

create table directory_schemas (
  organization_id uuid not null,
  directory_id    uuid not null,
  -- The schema URN as first given; compared case-insensitively (RFC 7643 §2.1), hence the unique index below.
  urn             text not null,
  resource_type   text not null check (resource_type in ('User', 'Group')),
  required        boolean not null default false,
  -- { name, description, attributes }: every characteristic spelled out, as /Schemas returns it.
  document        jsonb not null,
  -- Top-level attributes the directory looks resources up by: each has its own expression index.
  indexed         text[] not null default '{}',
  version         integer not null default 1,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  primary key (organization_id, directory_id, urn),
  foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
);
create unique index directory_schemas_urn_key on directory_schemas (organization_id, directory_id, lower(urn));

drop trigger directories_auth_changed on directories;
create trigger directories_auth_changed
  after update on directories for each row
  when (old.state is distinct from new.state or old.provider is distinct from new.provider
     or old.unknown_attributes is distinct from new.unknown_attributes
     or old.model_version is distinct from new.model_version)
  execute function roster_notify_auth();
`;
