/**
 * Per-directory counters of what Roster tolerated in an identity provider's requests: normalizations applied
 * (by name) and inputs it did not understand (by attribute path, never by value). Nodes add their counts in
 * batches, so a row is a running total across the cluster.
 */
export const name = '0004-tolerance-counters';

export const up = /* sql */ `
create table directory_tolerance_counters (
  organization_id uuid not null,
  directory_id    uuid not null,
  kind            text not null check (kind in ('normalization', 'ignored')),
  name            text not null check (length(name) between 1 and 200),
  count           bigint not null,
  first_seen      timestamptz not null,
  last_seen       timestamptz not null,
  primary key (organization_id, directory_id, kind, name),
  foreign key (organization_id, directory_id) references directories (organization_id, id) on delete cascade
);
`;
