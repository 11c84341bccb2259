/**
 * Every write queues its events, as one queue row: `directory_event_queue` rows now hold a write's events the way
 * the log's rows do (migration 0019), a JSON array of `{id, type, data, previous}` with their distinct `types`,
 * their number, and what they do to the directory's user and group counts. The mover (`roster_sequence_events`)
 * turns each queue row into one row of the log, numbered in position order; it no longer expands events to count
 * them.
 *
 * Why: a write with 20 or more events numbered them itself, holding the directory's row from that statement until
 * its commit was flushed (migrations 0014, 0016), because queueing them cost three more WAL records per event.
 * Under 32 concurrent member adds of 100, sampling `pg_stat_activity` found most active backends waiting for
 * that row (`Lock:tuple` 63 and `Lock:transactionid` 32 of 149 samples, all in `roster_append_events`) and the
 * commits' WAL flushes inside it (`IO:WalSync` 9, `IO:WalInitWrite` 5): a directory's adds ran one at a time from
 * numbering to flushed commit. A queue row per write costs a few WAL records whatever its size, so large writes
 * queue too: their commits flush side by side, and one move afterwards numbers what several writers queued, in one
 * short transaction.
 *
 * A transaction that keeps writing (a mapping change walks every user) still numbers its queue as it goes, holding
 * the row (event-store.ts); `roster_append_events` and the events argument of `roster_sequence_events`, which
 * served the numbering at commit, go.
 *
 * Queue rows already present are converted, one event per row, as they were queued.
 */
export const name = '0020-queue-batches';

export const up = /* sql */ `
alter table directory_event_queue
  add column types text[],
  add column events jsonb,
  add column event_count int,
  add column user_delta int not null default 0,
  add column group_delta int not null default 0;
update directory_event_queue
set types = array[type],
    events = jsonb_build_array(jsonb_build_object('id', id, 'type', type, 'data', data, 'previous', previous)),
    event_count = 1,
    user_delta = case type when 'user.created' then 1 when 'user.deleted' then -1 else 0 end,
    group_delta = case type when 'group.created' then 1 when 'group.deleted' then -1 else 0 end;
alter table directory_event_queue
  drop column id,
  drop column type,
  drop column data,
  drop column previous,
  alter column types set not null,
  alter column events set not null,
  alter column event_count set not null,
  add check (event_count > 0);

drop function roster_append_events(uuid, uuid, jsonb);
drop function roster_sequence_events(uuid, uuid, jsonb);

-- Numbers the directory's committed queue (and the caller's own queued rows) into the log: each queue row becomes
-- one row of the log, in position order. Returns how many events it numbered.
create function roster_sequence_events(org uuid, dir uuid) returns bigint language plpgsql as $$
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
    returning q.position, q.occurred_at, q.types, q.events, q.event_count, q.user_delta, q.group_delta
  ), numbered as (
    select t.*, last_sequence + sum(t.event_count) over (order by t.position) as last_in_row from taken t
  ), moved_rows as (
    insert into directory_event_batches
      (organization_id, directory_id, sequence, last_sequence, occurred_at, types, events)
    select org, dir, n.last_in_row - n.event_count + 1, n.last_in_row, n.occurred_at, n.types, n.events
    from numbered n
    returning 1
  )
  -- The insert runs to completion though nothing reads it (data-modifying WITH statements always do).
  select coalesce(sum(event_count), 0), coalesce(sum(user_delta), 0), coalesce(sum(group_delta), 0)
  into moved, users, groups
  from taken;
  if moved > 0 then
    update directories
    set event_sequence = last_sequence + moved, user_count = user_count + users, group_count = group_count + groups
    where organization_id = org and id = dir;
    perform pg_notify('roster_events', dir::text);
  end if;
  return moved;
end $$;
`;
