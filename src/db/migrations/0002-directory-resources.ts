/**
 * SCIM Users and Groups of a directory. Hot attributes that identity providers filter on are columns with
 * (expression) indexes; the full canonical resource is JSONB. Multi-valued `emails` and group membership are rows,
 * so existence checks are index probes and adding k members costs O(k). Every key starts with the tenant.
 */
export const name = '0002-directory-resources';

export const up = /* sql */ `
create table scim_users (
  organization_id uuid not null,
  directory_id    uuid not null,
  id              uuid not null,
  user_name       text not null,
  external_id     text,
  display_name    text,
  given_name      text,
  family_name     text,
  active          boolean not null default true,
  -- The canonical SCIM resource (canonical attribute names) without id, meta and groups.
  resource        jsonb not null,
  version         integer not null default 1,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  primary key (organization_id, directory_id, id),
  foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
);
-- RFC 7643 §4.1.1: userName is unique and case-insensitive (caseExact false).
create unique index scim_users_user_name_key on scim_users (organization_id, directory_id, lower(user_name));
create index scim_users_user_name_pattern on scim_users (organization_id, directory_id, lower(user_name) text_pattern_ops);
create index scim_users_external_id on scim_users (organization_id, directory_id, external_id);
create index scim_users_display_name on scim_users (organization_id, directory_id, lower(display_name) text_pattern_ops);
create index scim_users_family_name on scim_users (organization_id, directory_id, lower(family_name) text_pattern_ops);
create index scim_users_given_name on scim_users (organization_id, directory_id, lower(given_name) text_pattern_ops);
create index scim_users_updated on scim_users (organization_id, directory_id, updated_at, id);

create table scim_user_emails (
  organization_id uuid not null,
  directory_id    uuid not null,
  user_id         uuid not null,
  position        int not null,
  value           text not null,
  type            text,
  is_primary      boolean not null default false,
  primary key (organization_id, directory_id, user_id, position),
  foreign key (organization_id, directory_id, user_id) references scim_users (organization_id, directory_id, id)
    on delete cascade
);
create index scim_user_emails_value on scim_user_emails (organization_id, directory_id, lower(value) text_pattern_ops);

create table scim_groups (
  organization_id uuid not null,
  directory_id    uuid not null,
  id              uuid not null,
  display_name    text not null,
  external_id     text,
  resource        jsonb not null,
  version         integer not null default 1,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  primary key (organization_id, directory_id, id),
  foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
);
create unique index scim_groups_display_name_key on scim_groups (organization_id, directory_id, lower(display_name));
create index scim_groups_display_name_pattern on scim_groups (organization_id, directory_id, lower(display_name) text_pattern_ops);
create index scim_groups_external_id on scim_groups (organization_id, directory_id, external_id);

-- Direct memberships. A member is a User or a Group of the same directory (no foreign key to either table,
-- so one table serves both; deletes of users and groups remove their rows explicitly).
create table scim_group_members (
  organization_id uuid not null,
  directory_id    uuid not null,
  group_id        uuid not null,
  member_id       uuid not null,
  member_type     text not null check (member_type in ('User', 'Group')),
  -- The label the client sent for this member, if any (Okta and Entra read it back).
  display         text,
  added_at        timestamptz not null default now(),
  primary key (organization_id, directory_id, group_id, member_id),
  foreign key (organization_id, directory_id, group_id) references scim_groups (organization_id, directory_id, id)
    on delete cascade
);
create index scim_group_members_member on scim_group_members (organization_id, directory_id, member_id);
`;
