/**
 * The event log stores a write's events as one row: `directory_event_batches` holds, per row, the events of one
 * numbering step (their sequences `sequence`..`last_sequence`, one `occurred_at` and `txid`) as a JSON array of
 * `{id, type, data, previous}` in order. `directory_events` becomes a view that expands the rows into the same
 * per-event columns as before (the envelope of ARCHITECTURE.md is unchanged), for ad-hoc reads and the tests.
 *
 * Why: a write with many events (a member add of 100 is 100 `group.member_added`) numbers them holding its
 * directory's row until it commits (migrations 0014, 0016), and that numbering inserted a row and four index
 * entries per event. Under 32 concurrent adds of 100 members, `pg_stat_statements` put the numbering statement
 * at 66 ms of wall time per call (507 WAL records, 75 kB), nearly all of it waiting for the directory row, whose
 * holders are stretched by the 2 cores' run queue. One row per write makes the section one insert: the same
 * function with the appended events stored as one row (an experiment on a live bench database, builds
 * alternating) took adds of 100 from 140/162 to 212/234 per second, machine CPU 10.8-12.6 → 7.4-8.8 ms per add.
 * This migration against the build before it (`BENCH_WORKLOADS=add BENCH_REPEAT=3 npm run bench -- wrk`, builds
 * alternating, two rounds each, a slow hour): 121-182 (mean 140) → 129-207 (mean 175) adds/s, p99 about 520 →
 * 280-350 ms.
 *
 * Events that small writes queue (`directory_event_queue`, migration 0012) are still moved one event per row:
 * each keeps its own `occurred_at`, and a row of one event costs what it did. Rows never overlap, so within a
 * directory (and within a transaction's part of the stream) ordering rows by `last_sequence` orders them by
 * `sequence` too; the keys end with `last_sequence` so that a reader resuming inside a row finds that row.
 * Readers (event-store.ts) expand rows in index order and sort only within a row (Incremental Sort). `types`
 * holds a row's distinct event types, so that a reader asking for some types skips the rows without them before
 * expanding any (20,000 rows of 100 member events, none of the type asked for: 2.6 s when every row is
 * expanded, 8 ms when rows are skipped by `types`).
 *
 * Retention deletes whole rows: a row goes once all of its events are old and delivered.
 */
export const name = '0019-event-batches';

export const up = /* sql */ `
create table directory_event_batches (
  organization_id uuid not null,
  directory_id    uuid not null,
  sequence        bigint not null,
  last_sequence   bigint not null,
  occurred_at     timestamptz not null default now(),
  txid            xid8 not null default pg_current_xact_id(),
  types           text[] not null,
  events          jsonb not null,
  primary key (organization_id, directory_id, last_sequence),
  check (last_sequence >= sequence and jsonb_array_length(events) = last_sequence - sequence + 1)
);
create index directory_event_batches_org_stream
  on directory_event_batches (organization_id, txid, directory_id, last_sequence);
create index directory_event_batches_stream
  on directory_event_batches (txid, organization_id, directory_id, last_sequence);
create index directory_event_batches_occurred on directory_event_batches (occurred_at);

insert into directory_event_batches
  (organization_id, directory_id, sequence, last_sequence, occurred_at, txid, types, events)
select organization_id, directory_id, sequence, sequence, occurred_at, txid, array[type],
       jsonb_build_array(jsonb_build_object('id', id, 'type', type, 'data', data, 'previous', previous))
from directory_events;
drop table directory_events;

-- One row per event, as the table was. JSON null (no previous) becomes NULL.
create view directory_events as
select b.organization_id, b.directory_id, b.sequence + e.ord - 1 as sequence, e.id, e.type, b.occurred_at, b.txid,
       e.data, e.previous
from directory_event_batches b
cross join lateral rows from (jsonb_to_recordset(b.events) as (id uuid, type text, data jsonb, previous jsonb))
  with ordinality as e(id, type, data, previous, ord);

create or replace function roster_organization_deleted() returns trigger language plpgsql as $$
begin
  delete from directory_event_batches where organization_id = old.id;
  delete from directory_event_queue where organization_id = old.id;
  return null;
end $$;

-- Migration 0016's numbering: the committed queue one event per row, then \`events\` (a JSON array of
-- {id, type, data, previous}, in order) as one row.
create or replace function roster_sequence_events(org uuid, dir uuid, events jsonb default '[]')
returns bigint language plpgsql as $$
declare
  last_sequence bigint;
  appended bigint := jsonb_array_length(events);
  appended_types text[];
  moved bigint;
  users bigint;
  groups bigint;
  moved_users bigint;
  moved_groups bigint;
begin
  -- The appended events' types and what they do to the counts, before the lock: it does not need it.
  select coalesce(array_agg(distinct e.type), '{}'),
         count(*) filter (where e.type = 'user.created') - count(*) filter (where e.type = 'user.deleted'),
         count(*) filter (where e.type = 'group.created') - count(*) filter (where e.type = 'group.deleted')
  into appended_types, users, groups
  from jsonb_to_recordset(events) as e(type text);
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
    insert into directory_event_batches
      (organization_id, directory_id, sequence, last_sequence, occurred_at, types, events)
    select org, dir, t.sequence, t.sequence, t.occurred_at, array[t.type],
           jsonb_build_array(jsonb_build_object('id', t.id, 'type', t.type, 'data', t.data, 'previous', t.previous))
    from (select t.*, last_sequence + row_number() over (order by t.position) as sequence from taken t) t
    returning 1
  ), appended_events as (
    insert into directory_event_batches (organization_id, directory_id, sequence, last_sequence, types, events)
    select org, dir, last_sequence + m.n + 1, last_sequence + m.n + appended, appended_types, events
    from (select count(*) as n from taken) m
    where appended > 0
    returning 1
  )
  -- Both inserts run to completion though nothing reads them (data-modifying WITH statements always do).
  select count(*),
         count(*) filter (where type = 'user.created') - count(*) filter (where type = 'user.deleted'),
         count(*) filter (where type = 'group.created') - count(*) filter (where type = 'group.deleted')
  into moved, moved_users, moved_groups
  from taken;
  moved := moved + appended;
  if moved > 0 then
    update directories
    set event_sequence = last_sequence + moved,
        user_count = user_count + users + moved_users,
        group_count = group_count + groups + moved_groups
    where organization_id = org and id = dir;
    perform pg_notify('roster_events', dir::text);
  end if;
  return moved;
end $$;
`;
