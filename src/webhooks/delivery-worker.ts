/**
 * The delivery worker that runs in every `roster serve` node. Work is a (webhook, directory) pair with events
 * past its position. A node claims a pair with a session advisory lock on a connection of its own small pool,
 * then sends the pair's events one at a time, each only after the previous one was acknowledged with a 2xx,
 * and stores progress every few deliveries: a node that dies loses its lock with its connection, and the next
 * claimant resends from the last stored position (at-least-once; receivers deduplicate by event `id`).
 *
 * Woken by NOTIFY `roster_events` (payload: the directory id) for low latency, and by a periodic sweep for due
 * retries, new directories and anything a lost listener connection missed.
 */
import pg from 'pg';
import { insertAuditEntry } from '../db/audit-store.js';
import { selectDirectoryEvents } from '../db/event-store.js';
import * as store from '../db/webhook-delivery-store.js';
import type { DeliveryAttempt, PositionKey } from '../db/webhook-delivery-store.js';
import { type Webhook, markWebhookFailing } from '../db/webhook-store.js';
import { eventView } from '../events/event-stream.js';
import type { Logger } from '../shared/logger.js';
import type { SecretBox } from '../shared/secret-box.js';
import { RETRY_WINDOW_MS, retryDelayMs } from './retry-policy.js';
import { SIGNATURE_HEADER, signRosterPayload } from './signature.js';
import { WebhookSender } from './webhook-sender.js';
import { signingSecrets } from './webhooks.js';

export interface DeliveryWorkerOptions {
  readonly connection: pg.ClientConfig;
  readonly concurrency: number;
  readonly timeoutMs: number;
  readonly sweepMs: number;
  readonly allowPrivate: boolean;
  readonly box: SecretBox;
  readonly now: () => Date;
  readonly log: Logger;
  readonly applicationName?: string;
}

const BATCH = 100;
/** Progress is stored after this many deliveries or milliseconds, whichever comes first. */
const FLUSH_EVERY = 50;
const FLUSH_MS = 200;
const LAZY_MS = 100;

const keyOf = (k: PositionKey) => `${k.webhookId}:${k.directoryId}`;
/** How often a claim that keeps delivering reads its webhook again (URL, filter, state, secrets). */
const REREAD_MS = 1_000;

/** A claimed pair's state, kept in memory while the claim lasts. */
interface Pair {
  readonly webhook: Webhook;
  readonly types: ReadonlySet<string>;
  readonly version: number;
  delivered: number;
  failures: number;
  firstFailedAt: Date | null;
  nextAttemptAt: Date | null;
  /** The stored position moved under us (replay) or the webhook changed state: read it again. */
  replaced: boolean;
}

export class DeliveryWorker {
  private readonly pool: pg.Pool;
  private readonly sender: WebhookSender;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly notified = new Set<string>();
  private readonly rerun = new Set<string>();
  /** Directories with a job in flight on this node, and whether new events were notified since it last read. */
  private readonly busyDirectories = new Map<string, boolean>();
  private readonly lazy = new Set<string>();
  private lazyTimer: NodeJS.Timeout | undefined;
  private sweepAll = true;
  private ticking = false;
  private again = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: DeliveryWorkerOptions) {
    this.pool = new pg.Pool({
      ...o.connection,
      max: o.concurrency + 1,
      application_name: o.applicationName ?? 'roster-webhooks',
      idleTimeoutMillis: 30_000,
    });
    this.pool.on('error', (error: Error & { code?: string }) => {
      if (!this.stopping)
        o.log.warn({ code: error.code, message: error.message }, 'webhook connection failed');
    });
    this.sender = new WebhookSender({
      timeoutMs: o.timeoutMs,
      allowPrivate: o.allowPrivate,
      maxSockets: o.concurrency,
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sweepAll = true;
      this.kick();
    }, this.o.sweepMs);
    this.timer.unref();
    this.lazyTimer = setInterval(() => {
      if (this.lazy.size === 0) return;
      for (const d of this.lazy) this.notified.add(d);
      this.lazy.clear();
      this.kick();
    }, LAZY_MS);
    this.lazyTimer.unref();
    this.kick();
  }

  /** A directory's events were committed (NOTIFY payload). */
  notify(directoryId: string): void {
    // A job already sending this directory's events reads again before it ends: no query needed here.
    // Other webhooks' pairs of the directory are looked at within LAZY_MS, which bounds the queries a
    // busy directory causes.
    if (this.busyDirectories.has(directoryId)) {
      this.busyDirectories.set(directoryId, true);
      this.lazy.add(directoryId);
      return;
    }
    this.notified.add(directoryId);
    this.kick();
  }

  /** Notifications may have been missed: look at everything. */
  sweep(): void {
    this.sweepAll = true;
    this.kick();
  }

  /** Stops claiming, lets deliveries in flight finish and store their progress, then closes connections. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    if (this.lazyTimer) clearInterval(this.lazyTimer);
    await Promise.allSettled([...this.inFlight.values()]);
    this.sender.close();
    await this.pool.end();
  }

  private kick(): void {
    if (this.stopping) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = true;
    void this.tick()
      .catch((error: Error & { code?: string }) =>
        this.o.log.warn({ code: error.code, message: error.message }, 'webhook sweep failed'),
      )
      .finally(() => {
        this.ticking = false;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async tick(): Promise<void> {
    const all = this.sweepAll;
    const directories = all ? undefined : [...this.notified];
    this.sweepAll = false;
    this.notified.clear();
    if (directories?.length === 0) return;
    const free = this.o.concurrency - this.inFlight.size;
    if (free <= 0) {
      // Finishing jobs kick again; remember what was asked for.
      if (all) this.sweepAll = true;
      else for (const d of directories!) this.notified.add(d);
      return;
    }
    await store.ensurePositions(this.pool, directories);
    const due = await store.selectDuePositions(this.pool, this.o.now(), free * 4, directories);
    for (const key of due) {
      if (this.stopping) return;
      const k = keyOf(key);
      if (this.inFlight.has(k)) {
        this.rerun.add(k);
        continue;
      }
      if (this.inFlight.size >= this.o.concurrency) {
        this.sweepAll = true;
        break;
      }
      this.busyDirectories.set(key.directoryId, false);
      const job = this.run(key).finally(() => {
        this.inFlight.delete(k);
        if (this.busyDirectories.get(key.directoryId)) this.rerun.add(k);
        if (![...this.inFlight.keys()].some((other) => other.endsWith(`:${key.directoryId}`)))
          this.busyDirectories.delete(key.directoryId);
        if (this.rerun.delete(k)) this.notified.add(key.directoryId);
        this.kick();
      });
      this.inFlight.set(k, job);
    }
    // A full page: there may be more due pairs than were asked for; the next finished job looks again.
    if (due.length >= free * 4) this.sweepAll = true;
  }

  private async run(key: PositionKey): Promise<void> {
    let conn: pg.PoolClient | undefined;
    let broken: Error | undefined;
    try {
      conn = await this.pool.connect();
      if (!(await store.tryLockPosition(conn, key))) return;
      try {
        // Keep the claim while events keep coming: a busy directory costs no new claim per event. The
        // position is ours while we hold the lock (only a replay moves it, which the version check detects);
        // the webhook itself is read again now and then for changes of URL, filter or state.
        let pair: Pair | undefined;
        let readAt = 0;
        let more = false;
        do {
          this.busyDirectories.set(key.directoryId, false);
          if (!pair || performance.now() - readAt > REREAD_MS) {
            pair = await this.load(conn, key);
            readAt = performance.now();
            if (!pair) break;
          }
          more = await this.deliver(conn, key, pair);
          if (pair.replaced) pair = undefined;
        } while (!this.stopping && (more || this.busyDirectories.get(key.directoryId)));
      } finally {
        await store.unlockPosition(conn, key).catch((error: Error) => (broken = error));
      }
    } catch (error) {
      broken = error as Error;
      const e = error as Error & { code?: string };
      this.o.log.warn(
        { code: e.code, message: e.message, webhookId: key.webhookId },
        'webhook delivery failed',
      );
    } finally {
      conn?.release(broken);
    }
  }

  private async load(conn: pg.PoolClient, key: PositionKey): Promise<Pair | undefined> {
    const current = await store.selectPositionWithWebhook(conn, key);
    if (!current) return undefined;
    const { position, webhook } = current;
    return {
      webhook,
      types: new Set(webhook.eventTypes),
      version: position.version,
      delivered: position.deliveredSequence,
      failures: position.attempts,
      firstFailedAt: position.firstFailedAt,
      nextAttemptAt: position.nextAttemptAt,
      replaced: false,
    };
  }

  /** Delivers the pair's due events in order; true when it stopped with more to do (batch limit). */
  private async deliver(conn: pg.PoolClient, key: PositionKey, pair: Pair): Promise<boolean> {
    const { webhook, types } = pair;
    if (webhook.state !== 'active') return false;
    if (pair.nextAttemptAt && pair.nextAttemptAt > this.o.now()) return false;
    const stored = pair.delivered;
    let pending: DeliveryAttempt[] = [];
    let lastFlush = performance.now();

    const flush = async (retry: { nextAttemptAt: Date; lastError: string } | null): Promise<boolean> => {
      const kept = await store.recordProgress(
        conn,
        key,
        pair.version,
        {
          deliveredSequence: pair.delivered,
          attempts: pair.failures,
          firstFailedAt: pair.firstFailedAt,
          nextAttemptAt: retry?.nextAttemptAt ?? null,
          lastError: retry?.lastError ?? null,
        },
        pending,
      );
      pending = [];
      lastFlush = performance.now();
      pair.nextAttemptAt = retry?.nextAttemptAt ?? null;
      // Replayed meanwhile: the new position wins; the caller reads it again.
      if (!kept) pair.replaced = true;
      return kept;
    };

    const events = await selectDirectoryEvents(
      conn,
      { organizationId: key.organizationId, directoryId: key.directoryId },
      { afterSequence: pair.delivered, limit: BATCH },
    );
    for (const event of events) {
      if (this.stopping) break;
      if (types.size > 0 && !types.has(event.type)) {
        pair.delivered = event.sequence;
        continue;
      }
      const now = this.o.now();
      const body = JSON.stringify(eventView(event));
      const t = Math.floor(now.getTime() / 1000);
      const result = await this.sender.send(webhook.url, body, {
        'content-type': 'application/json',
        'user-agent': 'Roster-Webhooks/1',
        [SIGNATURE_HEADER]: signRosterPayload(signingSecrets(webhook, this.o.box, now), t, body),
        'Roster-Event-Id': event.id,
        'Roster-Event-Type': event.type,
      });
      pending.push({
        organizationId: key.organizationId,
        webhookId: key.webhookId,
        directoryId: key.directoryId,
        eventId: event.id,
        sequence: event.sequence,
        eventType: event.type,
        attempt: pair.failures + 1,
        attemptedAt: now,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        error: result.error,
      });
      if (!result.ok) {
        pair.failures += 1;
        pair.firstFailedAt ??= now;
        const nextAttemptAt = new Date(now.getTime() + retryDelayMs(pair.failures));
        await flush({ nextAttemptAt, lastError: result.error ?? 'failed' });
        if (now.getTime() - pair.firstFailedAt.getTime() >= RETRY_WINDOW_MS) {
          await this.markFailing(conn, key, pair.failures);
          pair.replaced = true; // read the webhook's new state before anything else
        }
        return false;
      }
      pair.delivered = event.sequence;
      pair.failures = 0;
      pair.firstFailedAt = null;
      if (pending.length >= FLUSH_EVERY || performance.now() - lastFlush >= FLUSH_MS) {
        if (!(await flush(null))) return false;
      }
    }
    if (pending.length > 0 || pair.delivered !== stored) await flush(null);
    return events.length === BATCH && !pair.replaced;
  }

  private async markFailing(conn: pg.PoolClient, key: PositionKey, failures: number): Promise<void> {
    await conn.query('begin');
    try {
      const row = await conn.query<{ organization_id: string | null }>(
        'select organization_id from webhooks where id = $1',
        [key.webhookId],
      );
      if (await markWebhookFailing(conn, key.webhookId, this.o.now())) {
        await insertAuditEntry(conn, {
          organizationId: (row.rows[0]?.organization_id ?? null) as PositionKey['organizationId'] | null,
          actorCredential: null,
          actorLabel: 'system',
          action: 'webhook.failing',
          targetType: 'webhook',
          targetId: key.webhookId,
          outcome: 'failure',
          details: { directoryId: key.directoryId, attempts: failures },
        });
        this.o.log.warn({ webhookId: key.webhookId, attempts: failures }, 'webhook marked failing');
      }
      await conn.query('commit');
    } catch (error) {
      await conn.query('rollback').catch(() => undefined);
      throw error;
    }
  }
}
