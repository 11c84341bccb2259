/**
 * How a directory's writers, model changes and event movers keep out of each other's way, without row locks on
 * the directory row for the writers; and writes with many events number them themselves.
 *
 * 1. Writers shared the directory row FOR KEY SHARE (migration 0012) so that a model change's FOR UPDATE waited
 *    for them. PostgreSQL records concurrent lockers of a row as a multixact that every new locker copies and
 *    every reader of the row resolves. It stayed cheap while only movers updated the row, but a writer that
 *    upgrades its share to number its own events (2. below) made it the hot spot: `perf` on the server showed
 *    GetMultiXactIdMembers at 29% of PostgreSQL's CPU under 32 concurrent creates that followed member adds.
 *    Writers now take a shared transaction-level advisory lock named after the directory
 *    (`roster_share_directory`, which then reads the model version with a fresh snapshot, so a model change
 *    that committed while it waited is seen); model changes and directory deletion take the same lock
 *    exclusively (`roster_lock_directory`) before locking the row, so they still wait for writers in flight and
 *    hold new ones back. Movers still serialise on the row
 *    (FOR NO KEY UPDATE), which only they and model changes lock now.
 *
 * 2. Adding 100 members to a group wrote every event three more times through the queue (queue row, its index
 *    entry, its deletion by the move): 11 WAL records per member, 1.5 KB of WAL (`pg_stat_wal`, 1,224 records
 *    per request). `roster_sequence_events` now also takes events to append: it moves the directory's committed
 *    queue as before and appends the given events after it, numbered in order, in the calling transaction,
 *    which holds the row FOR NO KEY UPDATE until it commits (751 records per request). Other movers of that
 *    directory wait for that commit; writers do not.
 *
 *    Why the order stays valid (see migration 0012): the caller appends as its last statement. A change it
 *    depends on committed before that statement, so its events are numbered already or are moved first; a
 *    change that commits after that statement ran concurrently with the caller (neither saw the other) and is
 *    numbered after it, since its mover waits for the caller's commit. The events become visible with the
 *    caller's commit, and nothing numbered after them is visible earlier: sequences stay gap-free. The caller's
 *    own queued events, if any (a bulk request mixes writes), are visible to it and move first.
 *
 * Lock order everywhere: the directory's advisory lock, then its row.
 */
export const name = '0014-writer-coordination';
/** Names Roster's directory locks among two-key advisory locks (an arbitrary constant: 'RSTR'). */
const DIRECTORY_LOCK_SPACE = 1_381_190_738;

export const up = /* sql */ `
-- For a writer: shares the directory's lock until commit and returns its model version, read after the lock was
-- granted (a volatile function's statements take fresh snapshots); null when the directory does not exist.
create function roster_share_directory(org uuid, dir uuid) returns bigint language plpgsql volatile as $$
declare
  version bigint;
begin
  perform pg_advisory_xact_lock_shared(${DIRECTORY_LOCK_SPACE}, hashtext(dir::text));
  select model_version into version from directories where organization_id = org and id = dir;
  return version;
end $$;

-- For a model change or a deletion: takes the directory's lock exclusively until commit (it waits for the writers
-- in flight and holds new ones back). Returns true, to be used in a WHERE clause before locking the row.
create function roster_lock_directory(dir uuid) returns boolean language plpgsql volatile as $$
begin
  perform pg_advisory_xact_lock(${DIRECTORY_LOCK_SPACE}, hashtext(dir::text));
  return true;
end $$;

drop function roster_sequence_events(uuid, uuid);

create function roster_sequence_events(
  org uuid, dir uuid,
  ids uuid[] default '{}', types text[] default '{}', datas jsonb[] default '{}', previouses jsonb[] default '{}'
) returns bigint language plpgsql as $$
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
    from unnest(ids, types, datas, previouses) with ordinality as e(id, type, data, previous, ord)
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
`;
