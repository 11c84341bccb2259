/**
 * The event log (migrations 0005, 0012, 0014, 0019, 0020). A writing transaction queues its events as one row
 * (`appendEvents`, holding the directory's lock shared, as writers do); once it has committed,
 * `roster_sequence_events` numbers the directory's committed queue in one short transaction, gap-free, each
 * queue row becoming one row of the log (`directory_event_batches`), so writers of a directory do not wait for
 * each other's commits. `transaction` runs that move before it returns: events are readable by the time the
 * response is sent. A sweep (`sequenceQueuedEvents`) moves what a node that died between the two left behind.
 * Readers expand the log's rows into events.
 */
import type { DirectoryScope } from '../directory/scope.js';
import type { NewEvent } from '../events/directory-events.js';
import { type DirectoryId, type OrganizationId, newUuidV7 } from '../shared/ids.js';
import {
  type Executor,
  type Pool,
  type Query,
  afterCommit,
  empty,
  prepared,
  query,
  queryOne,
  sql,
  transactionState,
} from './database.js';

export interface StoredEvent {
  readonly id: string;
  readonly sequence: number;
  readonly type: string;
  readonly occurredAt: Date;
  readonly organizationId: string;
  readonly directoryId: string;
  readonly data: Record<string, unknown>;
  readonly previous?: Record<string, unknown>;
  /** The id (xid8 as text) of the transaction that sequenced it: the order of cross-directory streams. */
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
 * Queues events in order, in one round trip, inside the writing transaction `tx` (made by `transaction`), and has
 * them sequenced once it commits. Call it after the change's own rows are written (a queue position is drawn
 * after them; see migration 0012).
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
 * {@link appendEvents} for events computed under the directory model `modelVersion`: shares the directory's lock
 * (which a model change waits for, even for no events) and queues the events only while the directory is still
 * at that version; false, with nothing written, when the model moved (or the directory is gone), so the caller
 * can recompute its events. The events are one row of the queue however many they are (migration 0020).
 */
export async function appendEventsAt(
  tx: Executor,
  scope: DirectoryScope,
  events: readonly NewEvent[],
  modelVersion: number | undefined,
): Promise<boolean> {
  const directory = sharedDirectory(scope, modelVersion);
  if (events.length === 0) return (await queryOne(tx, prepared(directory))) !== undefined;
  const row = await queryOne<{ shared: number; appended: number }>(
    tx,
    prepared(sql`
    with directory as (${directory}),
    appended as (${queueEvents(scope, events, sql`(select 1 from directory)`)})
    select (select count(*)::int from directory) as shared, (select count(*)::int from appended) as appended`),
  );
  if (!row || row.shared === 0) return false;
  if (row.appended !== 1) throw new Error('appendEvents: the events were not queued');
  afterCommit(tx, `sequence:${scope.directoryId}`, (pool) => sequenceEvents(pool, scope));
  // A long write (a mapping change walks every user, batch by batch) numbers what it has queued so far once it is
  // this much, rather than leave it all to one move after its commit; it holds the directory row from then on.
  const queued = transactionState(tx, `queued:${scope.directoryId}`, () => ({ events: 0 }));
  queued.events += events.length;
  if (queued.events >= SEQUENCE_NOW_FROM) {
    queued.events = 0;
    await sequenceEventsNow(tx, scope);
  }
  return true;
}

/**
 * Shares the directory's lock (migration 0014) until commit, as every writer does while it queues events, and
 * returns its model version as of then; with `modelVersion`, only while the directory is at that version (no
 * row otherwise, nor when the directory does not exist).
 */
export const sharedDirectory = (scope: DirectoryScope, modelVersion?: number): Query => sql`
  select model_version
  from (select roster_share_directory(${scope.organizationId}, ${scope.directoryId}) as model_version offset 0) d
  where model_version is not null
    ${modelVersion === undefined ? empty : sql`and model_version = ${modelVersion}`}`;

const QUEUE_COLUMNS = sql`
    (organization_id, directory_id, types, first_id, common, events, event_count, user_delta, group_delta)`;

/**
 * An insert (for a data-modifying CTE) that queues `events` (at least one), in order, as one row (migration 0020),
 * once for each row of `gate` (a query that returns one row, or none to queue nothing). Their distinct types and
 * what they do to the directory's counts are worked out here, so the move does not read the events.
 */
export const queueEvents = (scope: DirectoryScope, events: readonly NewEvent[], gate: Query): Query => {
  const delta = (created: string, deleted: string) =>
    events.reduce((n, e) => n + (e.type === created ? 1 : e.type === deleted ? -1 : 0), 0);
  const row = compactEvents(events);
  return sql`
  insert into directory_event_queue ${QUEUE_COLUMNS}
  select ${scope.organizationId}, ${scope.directoryId}, ${[...new Set(events.map((e) => e.type))]}::text[],
         ${newUuidV7()}::uuid, ${row.common}::jsonb, ${row.events}::jsonb, ${events.length}::int,
         ${delta('user.created', 'user.deleted')}::int, ${delta('group.created', 'group.deleted')}::int
  from ${gate} as gate
  returning 1`;
};

/**
 * An insert (for a data-modifying CTE) that queues one `type` event per row of `changed` (a relation of
 * `member_id`, `member_type`: the memberships the same statement added or removed), in member id order, as one row;
 * nothing when `changed` is empty. The events are what `memberEvents` gives for those rows, built in SQL so that
 * the statement that changes the rows queues them; the row is compact as {@link compactEvents} makes it (the type,
 * the group and a member type every event shares are common). Its queue position is drawn after the aggregate over
 * every row of `changed`, so after those rows were written.
 */
export const queueMembershipEvents = (
  scope: DirectoryScope,
  type: 'group.member_added' | 'group.member_removed',
  groupId: string,
  changed: Query,
): Query => sql`
  insert into directory_event_queue ${QUEUE_COLUMNS}
  select ${scope.organizationId}, ${scope.directoryId}, array[${type}::text], ${newUuidV7()}::uuid,
         jsonb_build_object('type', ${type}::text, 'data',
           case when e.one_type then jsonb_build_object('groupId', ${groupId}::uuid, 'memberType', e.member_type)
                else jsonb_build_object('groupId', ${groupId}::uuid) end),
         case when e.one_type then e.by_id
              else (select jsonb_agg(jsonb_build_object('data', jsonb_build_object('memberId', c.member_id,
                                                                                   'memberType', c.member_type))
                                     order by c.member_id)
                    from ${changed} c) end,
         e.n, 0, 0
  from (select count(*)::int as n, count(distinct member_type) = 1 as one_type, min(member_type) as member_type,
               jsonb_agg(jsonb_build_object('data', jsonb_build_object('memberId', member_id))
                         order by member_id) as by_id
        from ${changed}) e
  where e.n > 0
  returning 1`;

/**
 * From this many events queued in one transaction, it numbers them at once (see appendEventsAt): the move after
 * its commit stays a bounded one.
 */
export const SEQUENCE_NOW_FROM = 1_000;

type Scalar = string | number | boolean | null;
const isScalar = (v: unknown): v is Scalar =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * A row's events as stored (migration 0021): `common` holds what all of them share (the type, and the `data` keys
 * whose value is the same scalar in each), `events` one JSON array of the rest per event, in order: `type` unless
 * common, `data` without the common keys (absent when nothing is left of it), `previous` when there is one. Ids are
 * not stored: the row's `first_id` and each event's place give them. Built as JSON text here: array parameters cost
 * Node more (the driver escapes every element of a `jsonb[]` literal in JavaScript) and PostgreSQL a parse per
 * element. A member add of 100 goes from 23 kB of JSON to 4.5 kB.
 */
function compactEvents(events: readonly NewEvent[]): { common: string | null; events: string } {
  const first = events[0];
  const common: { type?: string; data?: Record<string, Scalar> } = {};
  if (first && events.length > 1) {
    if (events.every((e) => e.type === first.type)) common.type = first.type;
    const shared = Object.entries(first.data).filter(
      ([key, value]) =>
        isScalar(value) && events.every((e) => Object.hasOwn(e.data, key) && e.data[key] === value),
    );
    if (shared.length > 0) common.data = Object.fromEntries(shared) as Record<string, Scalar>;
  }
  const commonData = common.data;
  const own = events.map((e) => {
    const element: { type?: string; data?: Record<string, unknown>; previous?: Record<string, unknown> } = {};
    if (common.type === undefined) element.type = e.type;
    if (!commonData) element.data = e.data;
    else {
      const rest = Object.entries(e.data).filter(([key]) => !Object.hasOwn(commonData, key));
      if (rest.length > 0) element.data = Object.fromEntries(rest);
    }
    if (e.previous !== undefined) element.previous = e.previous;
    return element;
  });
  return {
    common: common.type === undefined && !commonData ? null : JSON.stringify(common),
    events: JSON.stringify(own),
  };
}

/**
 * Sequences the directory's queued events inside `tx`, which then holds the directory row until it commits: for a
 * change after which the directory row is gone, so the sequencing after commit could not find it, and for a
 * transaction that has queued many events and goes on writing.
 */
export async function sequenceEventsNow(tx: Executor, scope: DirectoryScope): Promise<void> {
  await query(tx, moveQueued(scope));
}

/** Numbers the directory's committed queue into the log (migration 0012); returns how many events moved. */
const moveQueued = (scope: DirectoryScope) =>
  prepared(sql`select roster_sequence_events(${scope.organizationId}, ${scope.directoryId}) as moved`);

interface SequencerState {
  running?: Promise<void> | undefined;
  queued?: Promise<void> | undefined;
}

const sequencers = new WeakMap<Pool, Map<string, SequencerState>>();
const sequencingErrors = new WeakMap<Pool, (error: Error & { code?: string }) => void>();

/** Where errors of the sequencing that follows a commit go (the commit stands; the sweep retries). */
export function onSequencingError(pool: Pool, listener: (error: Error & { code?: string }) => void): void {
  sequencingErrors.set(pool, listener);
}

/**
 * Resolves once every event of `scope` committed before the call is sequenced. Calls coalesce per directory: at
 * most one move runs per directory and node, and the calls that arrive while it runs share the next one (which
 * starts after their commits, so it sees their events). Never rejects: an error is reported to the listener
 * and the events stay queued for the next move or the sweep.
 */
export function sequenceEvents(pool: Pool, scope: DirectoryScope): Promise<void> {
  let states = sequencers.get(pool);
  if (!states) sequencers.set(pool, (states = new Map<string, SequencerState>()));
  const state = states.get(scope.directoryId);
  if (state?.queued) return state.queued;
  if (state?.running) {
    const next = state.running.then(() => startSequencing(pool, states, scope));
    state.queued = next;
    return next;
  }
  return startSequencing(pool, states, scope);
}

function startSequencing(
  pool: Pool,
  states: Map<string, SequencerState>,
  scope: DirectoryScope,
): Promise<void> {
  let state = states.get(scope.directoryId);
  if (!state) states.set(scope.directoryId, (state = {}));
  state.queued = undefined;
  const running: Promise<void> = query(pool, moveQueued(scope))
    .then(
      () => undefined,
      (error: Error & { code?: string }) => sequencingErrors.get(pool)?.(error),
    )
    .finally(() => {
      if (state.running !== running) return;
      state.running = undefined;
      if (!state.queued) states.delete(scope.directoryId);
    });
  state.running = running;
  return running;
}

/**
 * The sweep: sequences the queue of every directory with events queued more than `graceMs` ago (a node stopped
 * between a commit and its sequencing, or the move after it failed). Returns how many events it moved.
 */
export async function sequenceQueuedEvents(pool: Pool, graceMs: number, limit = 100): Promise<number> {
  const waiting = await query<{ organization_id: OrganizationId; directory_id: DirectoryId }>(
    pool,
    sql`select distinct q.organization_id, q.directory_id from directory_event_queue q
        where q.occurred_at < now() - make_interval(secs => ${graceMs / 1000})
          and exists (select 1 from directories d where d.organization_id = q.organization_id and d.id = q.directory_id)
        limit ${limit}`,
  );
  let moved = 0;
  for (const w of waiting) {
    const row = await queryOne<{ moved: string }>(
      pool,
      moveQueued({ organizationId: w.organization_id, directoryId: w.directory_id }),
    );
    moved += Number(row?.moved ?? 0);
  }
  return moved;
}

/**
 * The log's rows expanded into events (migrations 0019, 0021): `b` a row of `directory_event_batches`, `e` one of
 * its events made whole by `roster_row_events`, `ord` its place in the row.
 */
const EXPANDED = sql`directory_event_batches b
    cross join lateral roster_row_events(b.events, b.common, b.first_id) e`;

const EVENT_COLUMNS = sql`e.id, b.sequence + e.ord - 1 as sequence, e.type, b.occurred_at, b.organization_id,
    b.directory_id, e.data, e.previous, b.txid::text as txid`;

/**
 * One directory's events after `afterSequence`, in sequence order. Rows come in key order and are sorted only
 * within a row, so a page reads the rows it returns (and the one it resumes inside), however long the log.
 */
export async function selectDirectoryEvents(
  db: Executor,
  scope: { organizationId?: string | undefined; directoryId: string },
  page: { afterSequence: number; limit: number; types?: readonly string[] | undefined },
): Promise<StoredEvent[]> {
  const rows = await query<EventRow>(
    db,
    sql`
    select ${EVENT_COLUMNS}
    from ${EXPANDED}
    where b.directory_id = ${scope.directoryId}
      ${scope.organizationId ? sql`and b.organization_id = ${scope.organizationId}` : empty}
      and b.last_sequence > ${page.afterSequence}
      and b.sequence + e.ord - 1 > ${page.afterSequence}
      ${typesFilter(page.types)}
    order by b.last_sequence, e.ord
    limit ${page.limit}`,
  );
  return rows.map(toEvent);
}

/**
 * Events across directories (one organization, or all) after a stream position, in (txid, directory,
 * sequence) order, never past the oldest running transaction: an event that could still commit behind the
 * returned ones is not yet visible, so a consumer that keeps the last position misses nothing. Rows of one
 * transaction and directory never overlap, so their `last_sequence` order is their events' order.
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
  const position = after && sql`(${after.txid}::xid8, ${after.directoryId}::uuid, ${after.sequence}::bigint)`;
  const rows = await query<EventRow>(
    db,
    sql`
    select ${EVENT_COLUMNS}
    from ${EXPANDED}
    where b.txid < pg_snapshot_xmin(pg_current_snapshot())
      ${filter.organizationId ? sql`and b.organization_id = ${filter.organizationId}` : empty}
      ${
        position
          ? sql`and (b.txid, b.directory_id, b.last_sequence) > ${position}
                and (b.txid, b.directory_id, b.sequence + e.ord - 1) > ${position}`
          : empty
      }
      ${typesFilter(page.types)}
    order by b.txid, b.directory_id, b.last_sequence, e.ord
    limit ${page.limit}`,
  );
  return rows.map(toEvent);
}

/** Rows that hold one of `types` at all (checked before a row is expanded), then their events of those types. */
const typesFilter = (types: readonly string[] | undefined): Query =>
  types && types.length > 0
    ? sql`and b.types && ${[...types]}::text[] and e.type = any(${[...types]}::text[])`
    : empty;

/**
 * Deletes up to `batch` rows of the log (a row is the events one numbering step appended, migration 0019) that
 * occurred before `before` and that no webhook still has to deliver (its position for the directory is behind
 * the row's last event, whatever the webhook's state: a failing or disabled endpoint's events wait). Returns how
 * many rows and events went; callers loop until fewer than `batch` rows go.
 */
export async function pruneEvents(
  db: Executor,
  before: Date,
  batch: number,
): Promise<{ rows: number; events: number }> {
  const rows = await query<{ events: number }>(
    db,
    sql`
    delete from directory_event_batches b
    using (
      select organization_id, directory_id, last_sequence from directory_event_batches ev
      where occurred_at < ${before}
        and not exists (
          select 1 from webhook_positions p
          where p.organization_id = ev.organization_id and p.directory_id = ev.directory_id
            and p.delivered_sequence < ev.last_sequence)
      order by occurred_at
      limit ${batch}
    ) old
    where b.organization_id = old.organization_id and b.directory_id = old.directory_id
      and b.last_sequence = old.last_sequence
    returning (b.last_sequence - b.sequence + 1)::int as events`,
  );
  return { rows: rows.length, events: rows.reduce((n, r) => n + r.events, 0) };
}
