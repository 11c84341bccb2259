/**
 * The one seam between Roster and PostgreSQL: either an external server (`DATABASE_URL`) or an embedded one that
 * Roster starts in its data directory. Everything above sees only `Database`, `Executor` and the `sql` tag.
 *
 * Driver: node-postgres (`pg`), chosen by measurement (docs/decisions.md): on this 2-core machine it sustained
 * ~14k point lookups/s at 64 concurrent callers where postgres.js fell from ~13k to ~4.5k within 24 seconds.
 * Queries are written with the `sql` tag (sql-template-tag): every interpolation becomes a bind parameter.
 */
import pg from 'pg';
import sqlTag, { type Sql as Query, empty, join, raw } from 'sql-template-tag';
import type { Logger } from '../shared/logger.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

export { empty, join, raw, type Query };
export const sql = sqlTag;

export type Pool = pg.Pool;
/** Anything that runs queries: the pool or a transaction's client. Table functions take one first. */
export type Executor = pg.Pool | pg.PoolClient;

export interface Database {
  readonly pool: Pool;
  readonly kind: 'embedded' | 'external';
  readonly poolSize: number;
  /** How to open a connection outside the pool (the LISTEN session). */
  readonly connection: pg.ClientConfig;
  /** Closes the pool and, when embedded, stops the PostgreSQL server. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  log: Logger;
  /** Shown in `pg_stat_activity.application_name`. */
  applicationName: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { log, poolSize } = options;
  let embedded: EmbeddedPostgres | undefined;
  const common = { max: poolSize, application_name: options.applicationName, idleTimeoutMillis: 30_000 };
  if (!options.databaseUrl) {
    embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, database: 'roster', log });
  }
  const connection: pg.ClientConfig = embedded
    ? { ...embedded.connection }
    : { connectionString: options.databaseUrl };
  const pool = new pg.Pool({ ...connection, ...common });
  let closing = false;
  // An idle connection dropped by the server must not crash the process; the pool replaces it. Only the code
  // and message are logged: the error object carries the whole client. Drops during our own shutdown are expected.
  pool.on('error', (error: Error & { code?: string }) => {
    if (!closing) log.warn({ code: error.code, message: error.message }, 'idle database connection failed');
  });
  const server = embedded;
  return {
    pool,
    kind: server ? 'embedded' : 'external',
    poolSize,
    connection,
    async close() {
      closing = true;
      await pool.end();
      if (server) await server.stop();
    },
  };
}

/** Runs a query and returns its rows. */
export async function query<R extends object = Record<string, unknown>>(
  db: Executor,
  q: Query,
): Promise<R[]> {
  const result = await db.query<R>({ text: q.text, values: q.values });
  return result.rows;
}

/** Runs a query and returns its first row, or `undefined`. */
export async function queryOne<R extends object = Record<string, unknown>>(
  db: Executor,
  q: Query,
): Promise<R | undefined> {
  return (await query<R>(db, q))[0];
}

/**
 * Runs `work` in one transaction on one connection: commit when it resolves, roll back when it throws.
 * A connection whose rollback fails is destroyed rather than returned to the pool.
 */
export async function transaction<T>(pool: Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    client.release(broken);
  }
}
