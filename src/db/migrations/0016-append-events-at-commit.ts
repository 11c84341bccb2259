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
 *
 * The events arrive as one JSON array (what the writer sends, event-store.ts) and `roster_sequence_events` now
 * reads them from it directly: its four array parameters (migration 0014) had no other caller, and turning the
 * JSON into four arrays only for the function to unnest them again cost time inside the directory's lock.
 */
export const name = '0016-append-events-at-commit';

export const up = /* sql */ `
drop function roster_sequence_events(uuid, uuid, uuid[], text[], jsonb[], jsonb[]);

-- Migration 0014's numbering, with the events to append after the committed queue as a JSON array of
-- {id, type, data, previous}, in order.
create function roster_sequence_events(org uuid, dir uuid, events jsonb default '[]')
returns bigint language plpgsql as $$
declare
  last_sequence bigint;
  moved bigint;
  users bigint;
  groups bigint;
begin
  -- Serialises movers of one directory. Each later statement of this (volatile) function takes a new snapshot,
  -- so it sees every queue row committed before the lock was granted, and none that an earlier mover took.
  select event_sequence into last_sequence from directories
  where organization_id = org and id = dir
  for no key update;
  if not found then
    return 0;
  end if;
  with taken as (
    delete from directory_event_queue q
    where q.organization_id = org and q.directory_id = dir
    returning q.position, q.id, q.type, q.occurred_at, q.data, q.previous
  ), moved_events as (
    insert into directory_events (organization_id, directory_id, sequence, id, type, occurred_at, data, previous)
    select org, dir, last_sequence + row_number() over (order by t.position), t.id, t.type, t.occurred_at,
           t.data, t.previous
    from taken t
    returning type
  ), appended_events as (
    insert into directory_events (organization_id, directory_id, sequence, id, type, data, previous)
    select org, dir, last_sequence + (select count(*) from taken) + e.ord, e.id, e.type, e.data, e.previous
    from rows from (jsonb_to_recordset(events) as (id uuid, type text, data jsonb, previous jsonb))
      with ordinality as e(id, type, data, previous, ord)
    returning type
  ), sequenced as (
    select type from moved_events union all select type from appended_events
  )
  select count(*),
         count(*) filter (where type = 'user.created') - count(*) filter (where type = 'user.deleted'),
         count(*) filter (where type = 'group.created') - count(*) filter (where type = 'group.deleted')
  into moved, users, groups
  from sequenced;
  if moved > 0 then
    update directories
    set event_sequence = last_sequence + moved, user_count = user_count + users, group_count = group_count + groups
    where organization_id = org and id = dir;
    perform pg_notify('roster_events', dir::text);
  end if;
  return moved;
end $$;

-- Shares the directory's lock (as every writer does), then numbers its committed queue and \`events\` after it.
-- Raises when the directory is gone.
create function roster_append_events(org uuid, dir uuid, events jsonb) returns bigint language plpgsql as $$
begin
  if roster_share_directory(org, dir) is null then
    raise exception 'directory % does not exist', dir using errcode = 'no_data_found';
  end if;
  return roster_sequence_events(org, dir, events);
end $$;
`;
