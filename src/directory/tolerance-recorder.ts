/**
 * Counts, per directory, the normalizations Roster applied to an identity provider's requests and the inputs it
 * did not understand, so operators see what each IdP really sends. Counting happens in memory on the request path
 * and is added to the database in one statement every few seconds (and at shutdown): a crash loses at most one
 * interval of counts, which is acceptable for diagnostics and keeps writes off the SCIM hot path.
 */
import type { Executor } from '../db/database.js';
import { type ToleranceCount, type ToleranceKind, addToleranceCounts } from '../db/tolerance-store.js';
import type { NormalizationName, Tolerance, UnknownAttributePolicy } from '../scim/normalizations.js';
import type { Logger } from '../shared/logger.js';
import type { ProviderProfile } from '../tenants/provider-profiles.js';
import type { DirectoryScope } from './scope.js';

/** Distinct counters held between flushes; beyond this, new names are dropped until the next flush. */
const MAX_PENDING = 10_000;
const MAX_NAME_LENGTH = 200;

export interface ToleranceMetrics {
  normalized(provider: string, name: NormalizationName): void;
  ignored(provider: string): void;
}

type Pending = { -readonly [K in keyof ToleranceCount]: ToleranceCount[K] };

export class ToleranceRecorder {
  #pending = new Map<string, Pending>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly metrics: ToleranceMetrics,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The tolerance one SCIM request runs under: its directory's profile, counting into this recorder. */
  forRequest(
    scope: DirectoryScope,
    profile: ProviderProfile,
    unknownAttributes: UnknownAttributePolicy = profile.unknownAttributes,
  ): Tolerance {
    return {
      unknownAttributes,
      allows: profile.allows,
      applied: (name) => {
        this.metrics.normalized(profile.provider, name);
        this.#count(scope, 'normalization', name);
      },
      ignored: (path) => {
        this.metrics.ignored(profile.provider);
        this.#count(scope, 'ignored', attributePathOf(path));
      },
    };
  }

  #count(scope: DirectoryScope, kind: ToleranceKind, name: string): void {
    const key = `${scope.directoryId}\u0000${kind}\u0000${name}`;
    const now = this.clock();
    const entry = this.#pending.get(key);
    if (entry) {
      entry.count++;
      entry.lastSeen = now;
      return;
    }
    if (this.#pending.size >= MAX_PENDING) return;
    this.#pending.set(key, {
      organizationId: scope.organizationId,
      directoryId: scope.directoryId,
      kind,
      name,
      count: 1,
      firstSeen: now,
      lastSeen: now,
    });
  }

  /** Adds what was counted since the last flush to the database; on failure the counts are kept for the next. */
  async flush(db: Executor): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = this.#pending;
    this.#pending = new Map();
    try {
      await addToleranceCounts(db, [...batch.values()]);
    } catch (error) {
      for (const [key, entry] of batch) {
        const newer = this.#pending.get(key);
        if (newer) {
          newer.count += entry.count;
          newer.firstSeen = entry.firstSeen;
        } else if (this.#pending.size < MAX_PENDING) this.#pending.set(key, entry);
      }
      throw error;
    }
  }

  start(db: Executor, intervalMs: number, log: Logger): void {
    this.#timer = setInterval(() => {
      this.flush(db).catch((error: Error & { code?: string }) =>
        log.warn({ code: error.code, message: error.message }, 'could not record tolerance counters'),
      );
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(db: Executor): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush(db);
  }
}

/** `emails[0].foo` and `emails[type eq "work"].foo` count as `emails.foo`: names, never positions or values. */
export function attributePathOf(path: string): string {
  return path.replace(/\[[^\]]*\]/g, '').slice(0, MAX_NAME_LENGTH);
}
