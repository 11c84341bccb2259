/**
 * A directory may override its provider profile's unknown-attribute policy (`lenient` keeps and counts what no
 * schema defines, `strict` refuses it with 400); null follows the profile. A change must reach every node's
 * credential cache (the policy travels with the authenticated principal), so the trigger of 0003 watches it too.
 */
export const name = '0008-directory-unknown-attributes';

export const up = /* sql */ `
alter table directories add column unknown_attributes text
  check (unknown_attributes in ('lenient', 'strict'));

drop trigger directories_auth_changed on directories;
create trigger directories_auth_changed
  after update on directories for each row
  when (old.state is distinct from new.state or old.provider is distinct from new.provider
     or old.unknown_attributes is distinct from new.unknown_attributes)
  execute function roster_notify_auth();
`;
