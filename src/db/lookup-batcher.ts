/**
 * Coalesces concurrent lookups by a unique key (a user's id, a userName) into one query per directory. A database round trip is the ceiling of a
 * point read on a small machine (a bare Node server doing one primary-key lookup per request reaches about
 * 4.5k requests/s on the 2-core CI machine); IdPs and the app read users by id far more often than that under
 * load, so lookups that arrive in the same turn of the event loop share one `id = any($ids)` query.
 *
 * Consistency is unchanged: a lookup's query is sent after the lookup was asked for, so it sees every write that
 * committed before the request arrived, exactly as a query of its own would.
 */
import type { DirectoryScope } from '../directory/scope.js';
import type { Pool } from './database.js';

interface Waiter<R> {
  resolve(row: R | undefined): void;
  reject(error: unknown): void;
}

interface Batch<R> {
  readonly scope: DirectoryScope;
  readonly waiters: Map<string, Waiter<R>[]>;
}

export class LookupBatcher<R> {
  private pending = new Map<string, Batch<R>>();
  private scheduled = false;

  constructor(
    private readonly pool: Pool,
    private readonly select: (pool: Pool, scope: DirectoryScope, keys: readonly string[]) => Promise<R[]>,
    /** The key a row answers (compared as given: callers pass keys already normalized, e.g. lowercased). */
    private readonly keyOf: (row: R) => string,
    private readonly maxBatch = 200,
  ) {}

  /** The row with this key in the directory, or `undefined`. */
  load(scope: DirectoryScope, id: string): Promise<R | undefined> {
    const key = `${scope.organizationId}/${scope.directoryId}`;
    let batch = this.pending.get(key);
    if (!batch) {
      batch = { scope, waiters: new Map() };
      this.pending.set(key, batch);
    }
    const promise = new Promise<R | undefined>((resolve, reject) => {
      const waiters = batch.waiters.get(id) ?? [];
      waiters.push({ resolve, reject });
      batch.waiters.set(id, waiters);
    });
    if (batch.waiters.size >= this.maxBatch) {
      this.pending.delete(key);
      void this.run(batch);
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return promise;
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.pending.values()];
    this.pending = new Map();
    for (const batch of batches) void this.run(batch);
  }

  private async run(batch: Batch<R>): Promise<void> {
    try {
      const rows = await this.select(this.pool, batch.scope, [...batch.waiters.keys()]);
      const byKey = new Map(rows.map((row) => [this.keyOf(row), row]));
      for (const [id, waiters] of batch.waiters) for (const w of waiters) w.resolve(byKey.get(id));
    } catch (error) {
      for (const waiters of batch.waiters.values()) for (const w of waiters) w.reject(error);
    }
  }
}
