/**
 * One dedicated connection per node that LISTENs on PostgreSQL channels (NOTIFY is delivered at commit, to every
 * listening session). It reconnects with capped backoff; while it is down, notifications are lost, so subscribers
 * are told (`onReset`) and must treat anything they derived from earlier notifications as unknown.
 */
import pg from 'pg';
import type { Logger } from '../shared/logger.js';

export interface Subscription {
  /** A notification arrived on the channel. */
  onNotify(payload: string): void;
  /** The listening session is (again) established: from now on no notification is missed. */
  onListening(): void;
  /** The session was lost: notifications sent since the last `onListening` may have been missed. */
  onReset(): void;
}

export interface NotificationListener {
  close(): Promise<void>;
}

const CHANNEL = /^[a-z_][a-z0-9_]{0,62}$/;
const MAX_BACKOFF_MS = 5_000;

export function listenForNotifications(
  connection: pg.ClientConfig,
  subscriptions: ReadonlyMap<string, Subscription>,
  log: Logger,
): NotificationListener {
  for (const channel of subscriptions.keys()) {
    if (!CHANNEL.test(channel)) throw new Error(`invalid channel name ${channel}`);
  }
  let client: pg.Client | undefined;
  let closed = false;
  let backoff = 100;
  let timer: NodeJS.Timeout | undefined;

  const reset = (): void => {
    for (const s of subscriptions.values()) s.onReset();
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ ...connection, application_name: 'roster-listener' });
    client = c;
    let failed = false;
    const fail = (error: Error & { code?: string }) => {
      if (failed || closed) return;
      failed = true;
      log.warn({ code: error.code, message: error.message }, 'notification listener lost its connection');
      reset();
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      timer = setTimeout(() => void connect(), backoff);
      timer.unref();
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    };
    c.on('error', fail);
    c.on('end', () => fail(new Error('connection ended')));
    c.on('notification', (n) => subscriptions.get(n.channel)?.onNotify(n.payload ?? ''));
    try {
      await c.connect();
      for (const channel of subscriptions.keys()) await c.query(`listen ${channel}`);
      if (closed || failed) return;
      backoff = 100;
      for (const s of subscriptions.values()) s.onListening();
    } catch (error) {
      fail(error as Error);
    }
  };

  void connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      reset();
      await client?.end().catch(() => undefined);
    },
  };
}
