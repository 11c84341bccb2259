/**
 * The sweep behind event sequencing (migration 0012): a write's events are sequenced right after its commit by
 * the writing request itself; what is still queued `graceMs` later (the node died between the two, or that move
 * failed) is sequenced here. Every node sweeps; movers of one directory serialise on its row, so two sweeps
 * cannot sequence an event twice.
 */
import type { Pool } from '../db/database.js';
import { onSequencingError, sequenceQueuedEvents } from '../db/event-store.js';
import type { Logger } from '../shared/logger.js';

export function startEventSequencing(
  pool: Pool,
  intervalMs: number,
  graceMs: number,
  log: Logger,
): { stop(): Promise<void> } {
  onSequencingError(pool, (error) =>
    log.warn({ code: error.code, message: error.message }, 'could not sequence events after commit'),
  );
  let sweeping: Promise<void> | undefined;
  const sweep = () => {
    sweeping ??= sequenceQueuedEvents(pool, graceMs)
      .then((moved) => {
        if (moved > 0) log.info({ moved }, 'sequenced events left queued');
      })
      .catch((error: Error & { code?: string }) =>
        log.warn({ code: error.code, message: error.message }, 'could not sweep the event queue'),
      )
      .finally(() => (sweeping = undefined));
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
    },
  };
}
