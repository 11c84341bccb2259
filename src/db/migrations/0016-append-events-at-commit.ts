/**
 * A write with many events numbers them in the statement that PostgreSQL runs together with its COMMIT
 * (`atCommit` in database.ts), no longer as a statement whose result Node reads before it sends COMMIT.
 *
 * Numbering holds the directory row (FOR NO KEY UPDATE, migration 0014) until commit, so that directory's other
 * large writes wait for it. When Node sent COMMIT only after reading the numbering's result, the row stayed held
 * for as long as the response took to reach Node's event loop: under 32 concurrent member adds of 100, samples of
 * `pg_stat_activity` found 11 of 12 active backends waiting on that row (`Lock:tuple`, `Lock:transactionid`) and
 * about one on CPU. Sent in one message with the COMMIT, the row is held for the numbering and the commit alone.
 *
 * Since Node no longer reads the result before the commit, the statement refuses by raising: a write whose
 * directory is gone rolls back (it threw before it committed before, too).
 */
export const name = '0016-append-events-at-commit';

export const up = /* sql */ `
-- Shares the directory's lock (as every writer does), then numbers its committed queue and \`events\` after it
-- (a JSON array of {id, type, data, previous}, in order; migration 0014). Raises when the directory is gone.
create function roster_append_events(org uuid, dir uuid, events jsonb) returns bigint language plpgsql as $$
declare
  appended bigint;
begin
  if roster_share_directory(org, dir) is null then
    raise exception 'directory % does not exist', dir using errcode = 'no_data_found';
  end if;
  select roster_sequence_events(org, dir, coalesce(array_agg(e.id order by e.ord), '{}'),
                                coalesce(array_agg(e.type order by e.ord), '{}'),
                                coalesce(array_agg(e.data order by e.ord), '{}'),
                                coalesce(array_agg(e.previous order by e.ord), '{}'))
  into appended
  from rows from (jsonb_to_recordset(events) as (id uuid, type text, data jsonb, previous jsonb))
    with ordinality as e(id, type, data, previous, ord);
  return appended;
end $$;
`;
