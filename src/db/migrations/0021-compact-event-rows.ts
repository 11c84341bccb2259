/**
 * Event rows hold what their events do not share (migrations 0019, 0020 store a write's events as one row).
 *
 * A member add of 100 wrote 100 objects of `{id, type, data: {groupId, memberId, memberType}, previous: null}`
 * (23 kB of JSON text) that Node built and serialized and PostgreSQL parsed into `jsonb`, compressed, stored in the
 * queue and copied into the log: ablated, the events were 28% of the add's machine CPU. Of each object only the
 * member id varies. Rows now carry:
 *
 * - `common`: what every event of the row shares, `{type?, data?}`: the type, and the `data` keys whose values are
 *   the same scalar in every event (Node factors them out when a row has two events or more; null otherwise).
 * - `first_id`: the id of the row's first event; event n of the row (from 0) has `roster_event_id(first_id, n)`,
 *   the same UUIDv7 with n added to its last 48 random bits (RFC 9562 §6.2, method 2, "monotonic random"). Ids stay
 *   unique: two rows' ids meet only if both were drawn in the same millisecond with the same 26 high random bits and
 *   low 48 bits within a row's length of each other.
 * - `events`: per event, only `type` when it is not common, the `data` keys that are not common (`data` absent
 *   when all are), `previous` when there is one, and `id` for rows written before this migration.
 *
 * Readers rebuild each event through `roster_row_events` (`coalesce` of the element and the row,
 * `common.data || data`), so the envelope, the cursors and the `directory_events` view are unchanged; rows written
 * before keep their full objects and read as they did.
 *
 * Also moved here from the numbering path: the queue checks that its rows hold `event_count` events (the array is
 * in memory when the writer inserts it), and the log no longer re-checks the array's length, which decompressed
 * every row moved while the mover held the directory row. Rows already in the log satisfied the stronger check.
 */
export const name = '0021-compact-event-rows';

export const up = /* sql */ `
alter table directory_event_queue
  add column first_id uuid,
  add column common jsonb,
  drop constraint directory_event_queue_event_count_check,
  add constraint directory_event_queue_count check (event_count > 0 and jsonb_array_length(events) = event_count);
alter table directory_event_batches
  add column first_id uuid,
  add column common jsonb,
  drop constraint directory_event_batches_check,
  add constraint directory_event_batches_range check (last_sequence >= sequence) not valid;

-- The id of event n (from 0) of a row whose first event is base: base with n added to its last 48 bits (modulo
-- 2^48), which are random in a UUIDv7, so version and variant are untouched.
create function roster_event_id(base uuid, n bigint) returns uuid
language sql immutable strict parallel safe
return (left(base::text, 24)
        || lpad(to_hex((('x' || right(base::text, 12))::bit(48)::bigint + n) % 281474976710656), 12, '0'))::uuid;

-- A log row's events, whole again, in order: each element completed from the row (its id from first_id and its
-- place, its type and data from common). The one decoding of a row, for the view and for event-store.ts. SQL,
-- neither strict nor volatile, one select: PostgreSQL inlines it into the caller's plan.
create function roster_row_events(row_events jsonb, row_common jsonb, row_first_id uuid)
returns table (id uuid, type text, data jsonb, previous jsonb, ord bigint)
language sql immutable parallel safe as $$
  select coalesce(e.id, roster_event_id(row_first_id, e.ord - 1)), coalesce(e.type, row_common->>'type'),
         case when row_common ? 'data' then (row_common->'data') || coalesce(e.data, '{}') else e.data end,
         e.previous, e.ord
  from rows from (jsonb_to_recordset(row_events) as (id uuid, type text, data jsonb, previous jsonb))
    with ordinality as e(id, type, data, previous, ord)
$$;

create or replace view directory_events as
select b.organization_id, b.directory_id, b.sequence + e.ord - 1 as sequence, e.id, e.type, b.occurred_at, b.txid,
       e.data, e.previous
from directory_event_batches b
cross join lateral roster_row_events(b.events, b.common, b.first_id) e;

-- As in migration 0020, carrying each row's first id and common part into the log.
create or replace function roster_sequence_events(org uuid, dir uuid) returns bigint language plpgsql as $$
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
    returning q.position, q.occurred_at, q.types, q.events, q.event_count, q.user_delta, q.group_delta, q.first_id,
              q.common
  ), numbered as (
    select t.*, last_sequence + sum(t.event_count) over (order by t.position) as last_in_row from taken t
  ), moved_rows as (
    insert into directory_event_batches
      (organization_id, directory_id, sequence, last_sequence, occurred_at, types, events, first_id, common)
    select org, dir, n.last_in_row - n.event_count + 1, n.last_in_row, n.occurred_at, n.types, n.events, n.first_id,
           n.common
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
