/** Per-directory tolerance counters (migration 0004): added to in batches, read by the admin API. */
import type { DirectoryScope } from '../directory/scope.js';
import { type Executor, query, sql } from './database.js';

export type ToleranceKind = 'normalization' | 'ignored';

export interface ToleranceCount {
  readonly organizationId: string;
  readonly directoryId: string;
  readonly kind: ToleranceKind;
  readonly name: string;
  readonly count: number;
  readonly firstSeen: Date;
  readonly lastSeen: Date;
}

/** Adds a batch of counts in one statement; directories deleted meanwhile are skipped. */
export async function addToleranceCounts(db: Executor, counts: readonly ToleranceCount[]): Promise<void> {
  if (counts.length === 0) return;
  await query(
    db,
    sql`
    insert into directory_tolerance_counters as t
      (organization_id, directory_id, kind, name, count, first_seen, last_seen)
    select c.organization_id, c.directory_id, c.kind, c.name, c.count, c.first_seen, c.last_seen
    from unnest(${counts.map((c) => c.organizationId)}::uuid[], ${counts.map((c) => c.directoryId)}::uuid[],
                ${counts.map((c) => c.kind)}::text[], ${counts.map((c) => c.name)}::text[],
                ${counts.map((c) => c.count)}::bigint[], ${counts.map((c) => c.firstSeen)}::timestamptz[],
                ${counts.map((c) => c.lastSeen)}::timestamptz[])
         as c(organization_id, directory_id, kind, name, count, first_seen, last_seen)
    join directories d on d.organization_id = c.organization_id and d.id = c.directory_id
    on conflict (organization_id, directory_id, kind, name) do update
      set count = t.count + excluded.count,
          first_seen = least(t.first_seen, excluded.first_seen),
          last_seen = greatest(t.last_seen, excluded.last_seen)`,
  );
}

export async function selectToleranceCounts(db: Executor, scope: DirectoryScope): Promise<ToleranceCount[]> {
  const rows = await query<{
    kind: ToleranceKind;
    name: string;
    count: string;
    first_seen: Date;
    last_seen: Date;
  }>(
    db,
    sql`
    select kind, name, count, first_seen, last_seen from directory_tolerance_counters
    where organization_id = ${scope.organizationId} and directory_id = ${scope.directoryId}
    order by kind, count desc, name`,
  );
  return rows.map((r) => ({
    organizationId: scope.organizationId,
    directoryId: scope.directoryId,
    kind: r.kind,
    name: r.name,
    count: Number(r.count),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
  }));
}
