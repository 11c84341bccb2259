/**
 * A per-node cache of presented credentials, keyed by secret digest, so an authenticated request costs no database
 * round trip. Revocation must stay immediate, so the cache is only used while it is sure to hear about changes:
 *
 * - Every change that could make a cached entry wrong (revocation, expiry, scopes, deletion, directory state)
 *   fires a PostgreSQL NOTIFY at commit (migration 0003); each node's listener then empties its cache. On the
 *   node that made the change, the admin API also empties it before answering, so the caller never sees its own
 *   revoked key still work.
 * - While the listening connection is down the cache is off (every request reads the database), and it starts
 *   empty when the connection returns.
 * - A read that raced with an invalidation is not stored (generation check), and entries expire after `ttlMs`
 *   as a last line of defence.
 *
 * Only credentials that exist are cached: unknown secrets always cost one index probe, never a memory entry.
 */
import type { PresentedCredential } from '../db/credential-store.js';

export class CredentialCache {
  readonly #entries = new Map<string, { credential: PresentedCredential; storedAt: number }>();
  #generation = 0;
  #live = false;

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The current generation; pass it back to `store` so a read that raced with an invalidation is dropped. */
  get generation(): number {
    return this.#generation;
  }

  get size(): number {
    return this.#entries.size;
  }

  lookup(key: string): PresentedCredential | undefined {
    if (!this.#live) return undefined;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.clock() - entry.storedAt > this.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.credential;
  }

  store(key: string, credential: PresentedCredential, generation: number): void {
    if (!this.#live || generation !== this.#generation) return;
    if (this.#entries.size >= this.maxEntries) {
      // Map iterates in insertion order: drop the oldest entry.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { credential, storedAt: this.clock() });
  }

  /** Records a last-used time written to the database, without extending the entry's life. */
  noteUse(key: string, at: Date): void {
    const entry = this.#entries.get(key);
    if (entry) entry.credential = { ...entry.credential, lastUsedAt: at };
  }

  /** Forgets everything: something about some credential or directory changed. */
  invalidate(): void {
    this.#generation++;
    this.#entries.clear();
  }

  /** Turns caching on (invalidations are being received) or off (they may be missed). Either way starts empty. */
  setLive(live: boolean): void {
    this.#live = live;
    this.invalidate();
  }
}
