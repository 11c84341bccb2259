/**
 * One index per case-insensitive hot text column that serves `sortBy` as well as the filters: `(lower(column)
 * collate "C", id)` with the default operator class, in place of `lower(column) text_pattern_ops`.
 *
 * A `text_pattern_ops` index answers `eq` and the `sw` range of migration 0018 (its `~>=~`/`~<~` compare bytes),
 * but no `order by`: `GET /Users?sortBy=name.familyName&count=100` sorted every user of the directory (a top-100
 * heap sort over a million rows) on every page. Under the "C" collation the default operators compare bytes too,
 * which in UTF-8 is code point order, so the same index holds the `sw` range (now `>=`/`<`), the other
 * comparisons, and the sort order; `id` after the key makes it the whole `order by key, id` (ties broken by id,
 * RFC 7644 §3.4.2.3), read forwards for ascending and backwards for descending, where PostgreSQL's default
 * places rows without a value (nulls) last and first as the RFC asks.
 *
 * The filter compiler writes every comparison on these columns as `(lower(column) collate "C") <op> ...` so that
 * they match (`filter-sql-operands.ts`). Sorting them in byte order of the lowered text, rather than in the
 * database's collation, also makes the order the same on every PostgreSQL whatever locale it was created with
 * (the embedded server's builtin C.UTF-8 is code point order already). `lower()` itself still uses the
 * database's character classification, as the indexes before did.
 *
 * The unique keys (`lower(user_name)`, a group's `lower(display_name)`) stay as they are: they enforce
 * uniqueness and serve the lookups IdPs send before writes (`user-store.ts` probes them directly).
 *
 * Writes keep one index per column (the new entries are 16 bytes longer, for the id). Building them locks
 * `scim_users` and `scim_groups` against writes while they build: about 2 s per index per million users
 * (PostgreSQL 15, 2 cores). The finer statistics of migration 0015 move to the new indexes.
 */
export const name = '0022-sort-indexes';

export const up = /* sql */ `
create index scim_users_user_name_order
  on scim_users (organization_id, directory_id, lower(user_name) collate "C", id);
create index scim_users_display_name_order
  on scim_users (organization_id, directory_id, lower(display_name) collate "C", id);
create index scim_users_family_name_order
  on scim_users (organization_id, directory_id, lower(family_name) collate "C", id);
create index scim_users_given_name_order
  on scim_users (organization_id, directory_id, lower(given_name) collate "C", id);
create index scim_groups_display_name_order
  on scim_groups (organization_id, directory_id, lower(display_name) collate "C", id);

alter index scim_users_user_name_order alter column 3 set statistics 1000;
alter index scim_users_display_name_order alter column 3 set statistics 1000;
alter index scim_users_family_name_order alter column 3 set statistics 1000;
alter index scim_users_given_name_order alter column 3 set statistics 1000;
alter index scim_groups_display_name_order alter column 3 set statistics 1000;

drop index scim_users_user_name_pattern;
drop index scim_users_display_name;
drop index scim_users_family_name;
drop index scim_users_given_name;
drop index scim_groups_display_name_pattern;
`;
