/**
 * Event retention (`ROSTER_EVENT_RETENTION_DAYS`; 0, the default, keeps events forever). Every node runs the
 * pruner; a transaction-level advisory lock lets one of them work at a time, in batches.
 */
import { type Pool, query, sql, transaction } from '../db/database.js';
import { pruneEvents } from '../db/event-store.js';
import type { Logger } from '../shared/logger.js';

// An arbitrary constant that names "Roster event pruning" among advisory locks.
const PRUNE_LOCK_KEY = 7_361_024_802;
/** Rows of the log per transaction (a row holds one write's events, migration 0019). */
const BATCH = 5_000;

/** Prunes once; returns how many events were deleted (0 when another node holds the lock). */
export async function pruneOldEvents(pool: Pool, retentionDays: number, now: Date): Promise<number> {
  if (retentionDays <= 0) return 0;
  const before = new Date(now.getTime() - retentionDays * 86_400_000);
  let total = 0;
  for (;;) {
    const deleted = await transaction(pool, async (tx) => {
      const [lock] = await query<{ ok: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${PRUNE_LOCK_KEY}) as ok`,
      );
      return lock?.ok ? pruneEvents(tx, before, BATCH) : undefined;
    });
    if (!deleted) return total;
    total += deleted.events;
    if (deleted.rows < BATCH) return total;
  }
}

/** Runs the pruner every `intervalMs` until stopped. */
export function startEventRetention(
  pool: Pool,
  retentionDays: number,
  intervalMs: number,
  log: Logger,
  now: () => Date = () => new Date(),
): { stop(): void } {
  if (retentionDays <= 0) return { stop: () => undefined };
  const run = () =>
    pruneOldEvents(pool, retentionDays, now())
      .then((n) => n > 0 && log.info({ deleted: n }, 'pruned old events'))
      .catch((error: Error & { code?: string }) =>
        log.warn({ code: error.code, message: error.message }, 'could not prune old events'),
      );
  const timer = setInterval(() => void run(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
