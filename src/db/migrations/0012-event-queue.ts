/**
 * Events are sequenced after their change commits, not inside it.
 *
 * Until now a writing transaction took its directory's next sequence numbers from `directories.event_sequence`,
 * and that row lock was held until the writer's COMMIT came back from the client: every write in a directory
 * waited for the previous one's last round trip (measured: 13–14 of 16 backends waiting on it, ~270 creates/s).
 *
 * Now a writer inserts its events into `directory_event_queue` (position: a global identity, drawn after the
 * change's own rows were written) in its own transaction, taking the directory row only FOR KEY SHARE, which
 * writers share with each other. After COMMIT, `roster_sequence_events` moves a directory's committed queue
 * rows into `directory_events` in one short transaction: it locks the directory row, numbers the rows in
 * position order from `event_sequence`, and moves the user and group counts with them. Many writers' events go
 * in one such move, so a directory's writers no longer queue behind each other.
 *
 * Why position order is a valid sequence order: a change that depends on another (it updates a row the other
 * wrote, or needs a row the other created) can only run after the other committed, and so draws a larger
 * position. A queue row committed after a move that numbered a larger position belongs to a transaction that
 * was still running during that move, so nothing it did can have been seen by the changes numbered before it.
 *
 * Readers see only `directory_events`: sequences stay gap-free and strictly increasing; the cross-directory
 * stream (txid order) now uses the moving transaction's id, which is the one whose commit makes them visible.
 * A directory's exact user and group counts are its counters plus its queued creates minus queued deletes.
 * A model change (schema, mapping) or a directory deletion takes the row FOR UPDATE, which waits for writers
 * in flight and holds new ones back.
 */
export const name = '0012-event-queue';

export const up = /* sql */ `
create table directory_event_queue (
  organization_id uuid not null references organizations (id) on delete cascade,
  directory_id    uuid not null,
  position        bigint generated always as identity,
  id              uuid not null,
  type            text not null,
  occurred_at     timestamptz not null default now(),
  data            jsonb not null,
  previous        jsonb,
  primary key (organization_id, directory_id, position)
);

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
    returning q.position, q.id, q.type, q.occurred_at, q.data, q.previous
  ), moved_events as (
    insert into directory_events (organization_id, directory_id, sequence, id, type, occurred_at, data, previous)
    select org, dir, last_sequence + row_number() over (order by t.position), t.id, t.type, t.occurred_at,
           t.data, t.previous
    from taken t
    returning type
  )
  select count(*),
         count(*) filter (where type = 'user.created') - count(*) filter (where type = 'user.deleted'),
         count(*) filter (where type = 'group.created') - count(*) filter (where type = 'group.deleted')
  into moved, users, groups
  from moved_events;
  if moved > 0 then
    update directories
    set event_sequence = last_sequence + moved, user_count = user_count + users, group_count = group_count + groups
    where organization_id = org and id = dir;
    perform pg_notify('roster_events', dir::text);
  end if;
  return moved;
end $$;
`;
