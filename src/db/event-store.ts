/**
 * The event log (migration 0005). `appendEvents` runs inside the writing transaction: it takes the next
 * sequence numbers from the directory's counter (the row lock it takes there orders a directory's writers until
 * they commit, so sequences commit in order and without gaps) and inserts the events in one statement.
 */
import type { DirectoryScope } from '../directory/scope.js';
import type { NewEvent } from '../events/directory-events.js';
import { newUuidV7 } from '../shared/ids.js';
import { type Executor, type Query, empty, prepared, query, queryOne, sql } from './database.js';

export interface StoredEvent {
  readonly id: string;
  readonly sequence: number;
  readonly type: string;
  readonly occurredAt: Date;
  readonly organizationId: string;
  readonly directoryId: string;
  readonly data: Record<string, unknown>;
  readonly previous?: Record<string, unknown>;
  /** The writing transaction's id (xid8 as text): the order of cross-directory streams. */
  readonly txid: string;
}

interface EventRow {
  id: string;
  sequence: string;
  type: string;
  occurred_at: Date;
  organization_id: string;
  directory_id: string;
  data: Record<string, unknown>;
  previous: Record<string, unknown> | null;
  txid: string;
}

const toEvent = (r: EventRow): StoredEvent => ({
  id: r.id,
  sequence: Number(r.sequence),
  type: r.type,
  occurredAt: r.occurred_at,
  organizationId: r.organization_id,
  directoryId: r.directory_id,
  data: r.data,
  ...(r.previous ? { previous: r.previous } : {}),
  txid: r.txid,
});

/**
 * Appends events in order, in one round trip: take `n` numbers from the directory's counter (locking its row
 * until commit), insert the events with them, and NOTIFY the delivery workers (delivered at commit). Call it last
 * in the transaction, so the counter stays locked only briefly. Every user or group insert and delete emits its
 * `created`/`deleted` event here, so the directory's user and group counts move in the same statement.
 */
export async function appendEvents(
  tx: Executor,
  scope: DirectoryScope,
  events: readonly NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  if (!(await appendEventsAt(tx, scope, events, undefined))) {
    throw new Error('appendEvents: the directory does not exist');
  }
}

/**
 * {@link appendEvents} for events computed under the directory model `modelVersion`: appends them (and locks the
 * directory row, even for no events) only while the directory is still at that version, in the same single
 * statement; false, with nothing appended, when the model moved (or the directory is gone), so the caller can
 * recompute its events under the new model and append them then.
 */
export async function appendEventsAt(
  tx: Executor,
  scope: DirectoryScope,
  events: readonly NewEvent[],
  modelVersion: number | undefined,
): Promise<boolean> {
  const net = (created: string, deleted: string) =>
    events.filter((e) => e.type === created).length - events.filter((e) => e.type === deleted).length;
  const version = modelVersion === undefined ? sql`` : sql`and model_version = ${modelVersion}`;
  const row = await queryOne<{ locked: number; appended: number }>(
    tx,
    prepared(sql`
    with counter as (
      update directories set event_sequence = event_sequence + ${events.length},
        user_count = user_count + ${net('user.created', 'user.deleted')},
        group_count = group_count + ${net('group.created', 'group.deleted')}
      where organization_id = ${scope.organizationId} and id = ${scope.directoryId} ${version}
      returning event_sequence - ${events.length} as base
    ), appended as (
      insert into directory_events (organization_id, directory_id, sequence, id, type, data, previous)
      select ${scope.organizationId}, ${scope.directoryId}, counter.base + e.ord, e.id, e.type, e.data, e.previous
      from counter,
           unnest(${events.map(() => newUuidV7())}::uuid[], ${events.map((e) => e.type)}::text[],
                  ${events.map((e) => JSON.stringify(e.data))}::jsonb[],
                  ${events.map((e) => (e.previous ? JSON.stringify(e.previous) : null))}::jsonb[])
             with ordinality as e(id, type, data, previous, ord)
      returning 1
    ), notified as (
      select count(*)::int as n from appended
    )
    select (select count(*)::int from counter) as locked, notified.n as appended,
           case when notified.n > 0 then pg_notify('roster_events', ${scope.directoryId}::text) end
    from notified`),
  );
  if (!row || row.locked === 0) return false;
  if (row.appended !== events.length) throw new Error('appendEvents: not every event was appended');
  return true;
}

/** One directory's events after `afterSequence`, in sequence order. */
export async function selectDirectoryEvents(
  db: Executor,
  scope: { organizationId?: string | undefined; directoryId: string },
  page: { afterSequence: number; limit: number; types?: readonly string[] | undefined },
): Promise<StoredEvent[]> {
  const rows = await query<EventRow>(
    db,
    sql`
    select id, sequence, type, occurred_at, organization_id, directory_id, data, previous, txid::text as txid
    from directory_events
    where directory_id = ${scope.directoryId}
      ${scope.organizationId ? sql`and organization_id = ${scope.organizationId}` : empty}
      and sequence > ${page.afterSequence}
      ${typesFilter(page.types)}
    order by sequence
    limit ${page.limit}`,
  );
  return rows.map(toEvent);
}

/**
 * Events across directories (one organization, or all) after a stream position, in (txid, directory,
 * sequence) order, never past the oldest running transaction: an event that could still commit behind the
 * returned ones is not yet visible, so a consumer that keeps the last position misses nothing.
 */
export async function selectEventStream(
  db: Executor,
  filter: { organizationId?: string | undefined },
  page: {
    after?: { txid: string; directoryId: string; sequence: number } | undefined;
    limit: number;
    types?: readonly string[] | undefined;
  },
): Promise<StoredEvent[]> {
  const after = page.after;
  const rows = await query<EventRow>(
    db,
    sql`
    select id, sequence, type, occurred_at, organization_id, directory_id, data, previous, txid::text as txid
    from directory_events
    where txid < pg_snapshot_xmin(pg_current_snapshot())
      ${filter.organizationId ? sql`and organization_id = ${filter.organizationId}` : empty}
      ${
        after
          ? sql`and (txid, directory_id, sequence) > (${after.txid}::xid8, ${after.directoryId}::uuid, ${after.sequence})`
          : empty
      }
      ${typesFilter(page.types)}
    order by txid, directory_id, sequence
    limit ${page.limit}`,
  );
  return rows.map(toEvent);
}

const typesFilter = (types: readonly string[] | undefined): Query =>
  types && types.length > 0 ? sql`and type = any(${[...types]}::text[])` : empty;

/**
 * Deletes up to `batch` events that occurred before `before` and that no webhook still has to deliver (its
 * position for the directory is behind them, whatever the webhook's state: a failing or disabled endpoint's
 * events wait); returns how many went. Callers loop until it returns less than `batch`.
 */
export async function pruneEvents(db: Executor, before: Date, batch: number): Promise<number> {
  const rows = await query(
    db,
    sql`
    delete from directory_events e
    using (
      select organization_id, directory_id, sequence from directory_events ev
      where occurred_at < ${before}
        and not exists (
          select 1 from webhook_positions p
          where p.organization_id = ev.organization_id and p.directory_id = ev.directory_id
            and p.delivered_sequence < ev.sequence)
      order by occurred_at
      limit ${batch}
    ) old
    where e.organization_id = old.organization_id and e.directory_id = old.directory_id
      and e.sequence = old.sequence
    returning 1`,
  );
  return rows.length;
}
