/** Organizations, directories, credentials and the audit log. Tenant ids lead every key. */
export const name = '0001-tenants';

export const up = /* sql */ `
create table organizations (
  id          uuid primary key,
  name        text not null check (length(name) between 1 and 200),
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now()
);

create table directories (
  organization_id uuid not null references organizations (id) on delete cascade,
  id              uuid not null,
  name            text not null check (length(name) between 1 and 200),
  provider        text not null,
  state           text not null default 'active' check (state in ('active', 'inactive')),
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  primary key (organization_id, id)
);
-- The SCIM and admin paths name a directory by id alone; the id is a UUIDv7, unique in practice and enforced here.
create unique index directories_id_key on directories (id);

-- SCIM tokens (bound to one directory) and admin keys (platform-wide when organization_id is null).
create table credentials (
  id               uuid primary key,
  kind             text not null check (kind in ('scim_token', 'admin_key')),
  organization_id  uuid references organizations (id) on delete cascade,
  directory_id     uuid,
  name             text,
  secret_hash      bytea not null,
  secret_hint      text not null,
  scopes           text[] not null,
  created_at       timestamptz not null default now(),
  expires_at       timestamptz,
  revoked_at       timestamptz,
  last_used_at     timestamptz,
  created_by       uuid,
  created_via      text not null,
  foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade,
  check ((kind = 'scim_token') = (directory_id is not null)),
  check (kind = 'admin_key' or organization_id is not null)
);
create unique index credentials_secret_hash_key on credentials (secret_hash);
create index credentials_directory_idx on credentials (organization_id, directory_id, id) where directory_id is not null;
create index credentials_admin_idx on credentials (organization_id, id) where kind = 'admin_key';

-- Who did what, through which credential, with what outcome. Append-only.
create table audit_log (
  id               bigint generated always as identity primary key,
  organization_id  uuid,
  occurred_at      timestamptz not null default now(),
  actor_credential uuid,
  actor_label      text not null,
  action           text not null,
  target_type      text not null,
  target_id        text,
  outcome          text not null default 'success',
  details          jsonb not null default '{}'
);
create index audit_log_org_idx on audit_log (organization_id, id);
`;
