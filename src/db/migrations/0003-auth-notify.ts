/**
 * Tells every Roster node when a credential stops being what a node may have cached: revoked, expired early,
 * re-scoped or deleted, or its directory deactivated, re-profiled or deleted (organization deletion cascades to
 * both). NOTIFY is transactional: it is delivered at commit, and only if the change commits. Row triggers with a
 * WHEN clause, so the throttled `last_used_at` bookkeeping never flushes caches.
 */
export const name = '0003-auth-notify';

export const up = /* sql */ `
create function roster_notify_auth() returns trigger language plpgsql as $$
begin
  -- One channel, one payload: PostgreSQL folds identical notifications of a transaction into one.
  perform pg_notify('roster_auth', '');
  return null;
end $$;

create trigger credentials_auth_changed
  after update on credentials for each row
  when (old.revoked_at is distinct from new.revoked_at
     or old.expires_at is distinct from new.expires_at
     or old.scopes is distinct from new.scopes
     or old.secret_hash is distinct from new.secret_hash)
  execute function roster_notify_auth();
create trigger credentials_auth_deleted
  after delete on credentials for each row execute function roster_notify_auth();

create trigger directories_auth_changed
  after update on directories for each row
  when (old.state is distinct from new.state or old.provider is distinct from new.provider)
  execute function roster_notify_auth();
create trigger directories_auth_deleted
  after delete on directories for each row execute function roster_notify_auth();
`;
