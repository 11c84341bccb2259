/**
 * Process entry for `roster serve`: open the database (embedded or external), migrate, register the bootstrap
 * key, listen; on SIGINT/SIGTERM drain in-flight requests, then close the pool and stop the embedded server.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type Config, formatHost } from './config.js';
import { type Database, openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { createMetrics } from './http/metrics.js';
import type { Logger as PinoLogger } from 'pino';
import { ensureBootstrapAdminKey } from './tenants/credentials.js';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly db: Database;
  /** Where the server listens, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config, log: PinoLogger): Promise<RunningServer> {
  const started = Date.now();
  const applicationName = `roster-${randomBytes(4).toString('hex')}`;
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.databasePoolSize,
    log,
    applicationName,
  });
  try {
    await migrate(db.pool, log);
    if (config.bootstrapAdminKey) await ensureBootstrapAdminKey(db.pool, config.bootstrapAdminKey, log);
    const app = await buildApp({
      config,
      db,
      log,
      metrics: createMetrics(db.pool, db.poolSize),
    });
    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const url = `http://${formatHost(config.host)}:${port}`;
    log.info({ url, database: db.kind, ms: Date.now() - started }, 'roster is listening');
    let closing: Promise<void> | undefined;
    return {
      app,
      db,
      url,
      close: () =>
        (closing ??= (async () => {
          await app.close();
          await db.close();
        })()),
    };
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}

/** Runs until SIGINT/SIGTERM; a second signal exits at once. */
export async function serve(config: Config, log: PinoLogger): Promise<void> {
  const server = await startServer(config, log);
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (signalled) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    signalled = true;
    log.info({ signal }, 'shutting down: draining requests');
    // Requests still running when the grace period ends lose their connections; the database still stops cleanly.
    const timer = setTimeout(() => {
      log.warn('shutdown grace period over: closing the remaining connections');
      server.app.server.closeAllConnections();
    }, config.shutdownGraceMs);
    timer.unref();
    server.close().then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
