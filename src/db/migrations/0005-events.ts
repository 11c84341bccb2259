/**
 * The event log: one row per normalized change, written in the transaction of the change. Two orders:
 *
 * - `sequence`, per directory, strictly increasing and gap-free once committed: it is allocated from the
 *   directory's counter (`directories.event_sequence`) in the writing transaction, whose row lock makes a
 *   directory's writers commit in sequence order. Readers of one directory page by sequence.
 * - `txid`, the writing transaction's id, for streams across directories (an organization, the platform).
 *   Readers only return events of transactions older than every transaction still running
 *   (`pg_snapshot_xmin`), so an event can never commit behind a cursor that has passed it.
 *
 * Events outlive their directory (`directory.deleted` must stay readable) and go with their organization.
 */
export const name = '0005-events';

export const up = /* sql */ `
alter table directories add column event_sequence bigint not null default 0;

create table directory_events (
  organization_id uuid not null references organizations (id) on delete cascade,
  directory_id    uuid not null,
  sequence        bigint not null,
  id              uuid not null,
  type            text not null,
  occurred_at     timestamptz not null default now(),
  txid            xid8 not null default pg_current_xact_id(),
  data            jsonb not null,
  previous        jsonb,
  primary key (organization_id, directory_id, sequence)
);
create unique index directory_events_id_key on directory_events (id);
create index directory_events_org_stream on directory_events (organization_id, txid, directory_id, sequence);
create index directory_events_stream on directory_events (txid, organization_id, directory_id, sequence);
create index directory_events_occurred on directory_events (occurred_at);
`;
