/**
 * Finer statistics for the expressions that prefix filters (`sw`) search: 1,000 histogram buckets instead of
 * PostgreSQL's 100.
 *
 * PostgreSQL estimates `lower(family_name) like 'x%'` from the expression's histogram, and a prefix that is one of
 * the histogram's bounds is estimated at a whole bucket: with 100 buckets over a million users, 10,000 rows for a
 * surname that 100 users share. With `sortBy`, that estimate makes the planner walk the sort key's index and
 * filter (it expects a match every hundred rows) instead of reading the 100 matches and sorting them: measured
 * at 1M users, one such page took 1.0 s alone and 4.5 s under load, where the others took 0.3 ms; ~1% of the
 * bench's prefixes are bounds, so wrk saw 2-5 timeouts per run. With 1,000 buckets the same prefix is estimated
 * at 992 rows and read through its own index (1M users, 32 connections: 175-194 → 495-524 pages/s, no timeouts,
 * p50 at the 10k level). The price is ANALYZE of `scim_users` sampling 300,000 rows instead of 30,000 (1M users:
 * 0.8 → 8.3 s, in autovacuum's background).
 */
export const name = '0015-prefix-statistics';

export const up = /* sql */ `
alter index scim_users_family_name alter column 3 set statistics 1000;
alter index scim_users_given_name alter column 3 set statistics 1000;
alter index scim_users_display_name alter column 3 set statistics 1000;
alter index scim_users_user_name_pattern alter column 3 set statistics 1000;
alter index scim_user_emails_value alter column 3 set statistics 1000;
alter index scim_groups_display_name_pattern alter column 3 set statistics 1000;
`;
