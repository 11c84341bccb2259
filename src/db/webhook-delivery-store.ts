/**
 * Delivery state (migration 0006): per (webhook, directory) positions, the advisory lock that makes one node
 * the deliverer of a pair, and the attempts log. Positions are created lazily for directories that appeared
 * after the webhook, starting at sequence 0 (every event of a new directory is delivered).
 */
import type { DirectoryId, OrganizationId, WebhookId } from '../shared/ids.js';
import { type Executor, empty, prepared, query, queryOne, sql } from './database.js';
import { type Webhook, toWebhook } from './webhook-store.js';

export interface PositionKey {
  readonly organizationId: OrganizationId;
  readonly directoryId: DirectoryId;
  readonly webhookId: WebhookId;
}

export interface Position extends PositionKey {
  readonly deliveredSequence: number;
  readonly version: number;
  readonly attempts: number;
  readonly firstFailedAt: Date | null;
  readonly nextAttemptAt: Date | null;
  readonly lastError: string | null;
}

interface PositionRow {
  organization_id: string;
  directory_id: string;
  webhook_id: string;
  delivered_sequence: string;
  version: number;
  attempts: number;
  first_failed_at: Date | null;
  next_attempt_at: Date | null;
  last_error: string | null;
}

const toPosition = (r: PositionRow): Position => ({
  organizationId: r.organization_id as OrganizationId,
  directoryId: r.directory_id as DirectoryId,
  webhookId: r.webhook_id as WebhookId,
  deliveredSequence: Number(r.delivered_sequence),
  version: r.version,
  attempts: r.attempts,
  firstFailedAt: r.first_failed_at,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
});

/** A new webhook starts after the events that exist: positions at every in-scope directory's current sequence. */
export async function insertStartingPositions(db: Executor, webhook: Webhook): Promise<void> {
  await query(
    db,
    sql`insert into webhook_positions (organization_id, directory_id, webhook_id, delivered_sequence)
        select d.organization_id, d.id, ${webhook.id}, d.event_sequence from directories d
        ${webhook.organizationId ? sql`where d.organization_id = ${webhook.organizationId}` : empty}
        on conflict do nothing`,
  );
}

/** Creates missing positions (sequence 0) for directories that appeared after their webhooks. */
export async function ensurePositions(db: Executor, directoryIds?: readonly string[]): Promise<void> {
  // Prepared: the worker runs it (and the next query) for every directory that committed events.
  await query(
    db,
    prepared(sql`insert into webhook_positions (organization_id, directory_id, webhook_id)
        select d.organization_id, d.id, w.id
        from directories d
        join webhooks w on w.organization_id = d.organization_id or w.organization_id is null
        where ${directoryIds ? sql`d.id = any(${[...directoryIds]}::uuid[])` : sql`true`}
          and not exists (select 1 from webhook_positions p
                          where p.organization_id = d.organization_id and p.directory_id = d.id
                            and p.webhook_id = w.id)
        on conflict do nothing`),
  );
}

/** Pairs of active webhooks with an undelivered event that is due now. */
export async function selectDuePositions(
  db: Executor,
  now: Date,
  limit: number,
  directoryIds?: readonly string[],
): Promise<PositionKey[]> {
  const rows = await query<PositionRow>(
    db,
    prepared(sql`select p.organization_id, p.directory_id, p.webhook_id
        from webhook_positions p join webhooks w on w.id = p.webhook_id
        where w.state = 'active'
          ${directoryIds ? sql`and p.directory_id = any(${[...directoryIds]}::uuid[])` : empty}
          and (p.next_attempt_at is null or p.next_attempt_at <= ${now})
          and exists (select 1 from directory_event_batches e
                      where e.organization_id = p.organization_id and e.directory_id = p.directory_id
                        and e.last_sequence > p.delivered_sequence)
        order by p.next_attempt_at nulls first
        limit ${limit}`),
  );
  return rows.map(toPosition);
}

const lockKey = (k: PositionKey) => sql`hashtextextended(${`webhook:${k.webhookId}:${k.directoryId}`}, 0)`;

/**
 * Takes the pair's session advisory lock without waiting. Session-level, not a row lock in an open
 * transaction: it needs no transaction id, so it does not hold back `pg_snapshot_xmin` (the Events API's
 * visibility horizon) for the length of an HTTP call, and it is released when the session ends, `kill -9`
 * of the node included.
 */
export async function tryLockPosition(db: Executor, k: PositionKey): Promise<boolean> {
  const row = await queryOne<{ locked: boolean }>(
    db,
    sql`select pg_try_advisory_lock(${lockKey(k)}) as locked`,
  );
  return row?.locked === true;
}

export async function unlockPosition(db: Executor, k: PositionKey): Promise<void> {
  await query(db, sql`select pg_advisory_unlock(${lockKey(k)})`);
}

/** The pair's position and its webhook, read fresh under the lock. */
export async function selectPositionWithWebhook(
  db: Executor,
  k: PositionKey,
): Promise<{ position: Position; webhook: Webhook } | undefined> {
  const row = await queryOne<PositionRow & { webhook: Parameters<typeof toWebhook>[0] }>(
    db,
    sql`select p.*, to_jsonb(w) as webhook
        from webhook_positions p join webhooks w on w.id = p.webhook_id
        where p.organization_id = ${k.organizationId} and p.directory_id = ${k.directoryId}
          and p.webhook_id = ${k.webhookId}`,
  );
  if (!row) return undefined;
  const w = row.webhook;
  return {
    position: toPosition(row),
    webhook: toWebhook({
      ...w,
      previous_secret_expires_at: w.previous_secret_expires_at && new Date(w.previous_secret_expires_at),
      failing_since: w.failing_since && new Date(w.failing_since),
      created_at: new Date(w.created_at),
      updated_at: new Date(w.updated_at),
    }),
  };
}

/**
 * Stores a pair's progress and the attempts that led to it in one statement (one round trip, atomic), unless a
 * replay moved the position meanwhile (its version changed); the attempts are recorded either way, unless the
 * webhook is gone. The webhook's row is locked (key share) before the position, the order in which deleting a
 * webhook (webhook, then its positions by cascade) and a replay take them: the attempts' foreign key took it
 * after the position, and a deletion racing the worker deadlocked (a 500 from `DELETE /webhooks/{id}`).
 */
export async function recordProgress(
  db: Executor,
  k: PositionKey,
  version: number,
  p: {
    deliveredSequence: number;
    attempts: number;
    firstFailedAt: Date | null;
    nextAttemptAt: Date | null;
    lastError: string | null;
  },
  attempts: readonly DeliveryAttempt[],
): Promise<boolean> {
  const col = <T>(f: (a: DeliveryAttempt) => T) => attempts.map(f);
  const row = await queryOne<{ kept: boolean }>(
    db,
    sql`with hook as (
          select id from webhooks where id = ${k.webhookId} for key share),
        moved as (
          update webhook_positions set delivered_sequence = ${p.deliveredSequence}, attempts = ${p.attempts},
            first_failed_at = ${p.firstFailedAt}, next_attempt_at = ${p.nextAttemptAt}, last_error = ${p.lastError}
          where organization_id = ${k.organizationId} and directory_id = ${k.directoryId}
            and webhook_id = ${k.webhookId} and version = ${version} and exists (select 1 from hook)
          returning 1),
        logged as (
          insert into webhook_deliveries (organization_id, webhook_id, directory_id, event_id, sequence,
                                          event_type, attempt, attempted_at, status_code, latency_ms, error)
          select ${k.organizationId}, ${k.webhookId}, ${k.directoryId}, a.* from hook, unnest(
            ${col((a) => a.eventId)}::uuid[], ${col((a) => a.sequence)}::bigint[], ${col((a) => a.eventType)}::text[],
            ${col((a) => a.attempt)}::int[], ${col((a) => a.attemptedAt)}::timestamptz[],
            ${col((a) => a.statusCode)}::int[], ${col((a) => a.latencyMs)}::int[], ${col((a) => a.error)}::text[]) a
          returning 1)
        select exists (select 1 from moved) as kept`,
  );
  return row?.kept === true;
}

/** Clears every retry delay of a webhook: delivery resumes at once (re-enable). */
export async function resetRetries(db: Executor, webhookId: WebhookId): Promise<void> {
  await query(
    db,
    sql`update webhook_positions set attempts = 0, first_failed_at = null, next_attempt_at = null
        where webhook_id = ${webhookId}`,
  );
}

/** Moves a pair back so that `fromSequence` is delivered next. */
export async function rewindPosition(db: Executor, k: PositionKey, fromSequence: number): Promise<Position> {
  const row = await queryOne<PositionRow>(
    db,
    sql`insert into webhook_positions (organization_id, directory_id, webhook_id, delivered_sequence)
        values (${k.organizationId}, ${k.directoryId}, ${k.webhookId}, ${fromSequence - 1})
        on conflict (organization_id, directory_id, webhook_id) do update set
          delivered_sequence = excluded.delivered_sequence, version = webhook_positions.version + 1,
          attempts = 0, first_failed_at = null, next_attempt_at = null, last_error = null
        returning *`,
  );
  return toPosition(row!);
}

export async function selectPositions(db: Executor, webhookId: WebhookId): Promise<Position[]> {
  const rows = await query<PositionRow>(
    db,
    sql`select * from webhook_positions where webhook_id = ${webhookId} order by directory_id`,
  );
  return rows.map(toPosition);
}

export interface DeliveryAttempt {
  readonly organizationId: OrganizationId;
  readonly webhookId: WebhookId;
  readonly directoryId: DirectoryId;
  readonly eventId: string;
  readonly sequence: number;
  readonly eventType: string;
  readonly attempt: number;
  readonly attemptedAt: Date;
  /** `null` when no response arrived (connection error, timeout, refused address). */
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
}

export interface StoredDeliveryAttempt extends DeliveryAttempt {
  readonly id: number;
}

/** A webhook's attempts, newest first. */
export async function selectDeliveryAttempts(
  db: Executor,
  webhookId: WebhookId,
  page: { before: number | undefined; limit: number; directoryId?: DirectoryId | undefined },
): Promise<StoredDeliveryAttempt[]> {
  const rows = await query<{
    id: string;
    organization_id: string;
    webhook_id: string;
    directory_id: string;
    event_id: string;
    sequence: string;
    event_type: string;
    attempt: number;
    attempted_at: Date;
    status_code: number | null;
    latency_ms: number;
    error: string | null;
  }>(
    db,
    sql`select * from webhook_deliveries where webhook_id = ${webhookId}
          ${page.before !== undefined ? sql`and id < ${page.before}` : empty}
          ${page.directoryId ? sql`and directory_id = ${page.directoryId}` : empty}
        order by id desc limit ${page.limit}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    organizationId: r.organization_id as OrganizationId,
    webhookId: r.webhook_id as WebhookId,
    directoryId: r.directory_id as DirectoryId,
    eventId: r.event_id,
    sequence: Number(r.sequence),
    eventType: r.event_type,
    attempt: r.attempt,
    attemptedAt: r.attempted_at,
    statusCode: r.status_code,
    latencyMs: r.latency_ms,
    error: r.error,
  }));
}
