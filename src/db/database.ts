/**
 * The one seam between Roster and PostgreSQL: either an external server (`DATABASE_URL`) or an embedded one that
 * Roster starts in its data directory. Everything above sees only `Database`, `Executor` and the `sql` tag.
 *
 * Driver: node-postgres (`pg`), chosen by measurement (docs/decisions.md): on this 2-core machine it sustained
 * ~14k point lookups/s at 64 concurrent callers where postgres.js fell from ~13k to ~4.5k within 24 seconds.
 * Queries are written with the `sql` tag (sql-template-tag): every interpolation becomes a bind parameter.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import sqlTag, { type Sql as Query, empty, join, raw } from 'sql-template-tag';
import type { Logger } from '../shared/logger.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { types } from './timestamps.js';

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
  // No JIT: Roster's queries are short, and PostgreSQL compiles any whose estimated cost passes jit_above_cost.
  // A user in 200 groups made the estimate of the recursive groups walk of GET /Users/{id} pass it: 58 ms of
  // JIT compilation for a 0.3 ms query, on every request (measured; PostgreSQL 15, jit on by default).
  const common = {
    max: poolSize,
    application_name: options.applicationName,
    idleTimeoutMillis: 30_000,
    options: '-c jit=off',
    types,
  };
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

/** A query PostgreSQL plans once per connection (see {@link prepared}). */
export interface PreparedQuery {
  readonly name: string;
  readonly text: string;
  readonly values: unknown[];
}

const statementNames = new Map<string, string>();

const statementName = (text: string) => `r_${createHash('sha1').update(text).digest('base64url')}`;

/**
 * Marks a hot query whose best plan does not depend on its parameter values (a lookup by key): it runs as a
 * named prepared statement, so each connection parses and plans it once. Planning was two thirds of the
 * database time of `GET /Users/{id}` (0.25 ms of 0.35 ms). Not for filters, patterns or partial indexes: a
 * generic plan cannot see a `like` prefix or which directory's partial index applies.
 */
export function prepared(q: Query): PreparedQuery {
  let name = statementNames.get(q.text);
  if (name === undefined) {
    name = statementName(q.text);
    // The set of hot statements is small and fixed; the bound only guards against misuse.
    if (statementNames.size < 1_000) statementNames.set(q.text, name);
  }
  return { name, text: q.text, values: q.values };
}

const pageStatements = new Map<string, string>();

/**
 * How many distinct list-page statements a process prepares. Every connection keeps a plan for each name it has
 * run, and page texts multiply (filter shape, sort key and order, attribute set, cursor direction), so the set
 * is bounded: the first texts seen are prepared, later ones plan per request as before.
 */
export const PREPARED_PAGES = 200;

/**
 * A list page whose best plan is the same whatever its values (a key lookup, a prefix range: see
 * `ListPlan.generic`): prepared while fewer than {@link PREPARED_PAGES} page texts are, else as it is.
 */
export function preparedPage(q: Query): Query | PreparedQuery {
  let name = pageStatements.get(q.text);
  if (name === undefined) {
    if (pageStatements.size >= PREPARED_PAGES) return q;
    name = statementName(q.text);
    pageStatements.set(q.text, name);
  }
  return { name, text: q.text, values: q.values };
}

/** What a list page's statement takes from its plan (`ListPlan` in `directory/resource-list.ts`). */
export interface PageQuery {
  where: Query;
  orderBy: Query;
  offset: number;
  limit: number;
  /** The page's best plan is the same for any values (`ListPlan.generic`): it may run prepared. */
  generic?: boolean | undefined;
  /** Selected as `sort_key` text, for the cursors of a walk with `sortBy` (`ListPlan.sortKey`). */
  sortKey?: Query | undefined;
}

/** The `sort_key` column a page selects for its cursors, if any (see {@link PageQuery.sortKey}). */
export const sortKeyColumn = (page: PageQuery): Query =>
  page.sortKey ? sql`, (${page.sortKey})::text as sort_key` : empty;

/** Runs a query and returns its rows. */
export async function query<R extends object = Record<string, unknown>>(
  db: Executor,
  q: Query | PreparedQuery,
): Promise<R[]> {
  const result = await db.query<R>(
    'name' in q ? { name: q.name, text: q.text, values: q.values } : { text: q.text, values: q.values },
  );
  return result.rows;
}

/** Runs a query and returns its first row, or `undefined`. */
export async function queryOne<R extends object = Record<string, unknown>>(
  db: Executor,
  q: Query | PreparedQuery,
): Promise<R | undefined> {
  return (await query<R>(db, q))[0];
}

type CommitHook = (pool: Pool) => Promise<void>;
const commitHooks = new WeakMap<pg.PoolClient, Map<string, CommitHook>>();

/**
 * Asks {@link transaction} to run `hook` once the transaction `tx` has committed, before it returns; hooks with
 * the same key run once. Nothing runs when the transaction rolls back. The commit stands whatever a hook does;
 * an error it throws reaches the caller of {@link transaction}, so hooks handle their own.
 */
export function afterCommit(tx: Executor, key: string, hook: CommitHook): void {
  if (tx instanceof pg.Pool) throw new Error('afterCommit: not inside a transaction');
  let hooks = commitHooks.get(tx);
  if (!hooks) commitHooks.set(tx, (hooks = new Map<string, CommitHook>()));
  if (!hooks.has(key)) hooks.set(key, hook);
}

const transactionStates = new WeakMap<pg.PoolClient, Map<string, unknown>>();

/**
 * State that lives as long as the transaction `tx` (made by {@link transaction}): `create()` the first time `key`
 * is asked for in it, the same object after that; a later transaction on the same connection starts afresh.
 */
export function transactionState<S>(tx: Executor, key: string, create: () => S): S {
  if (tx instanceof pg.Pool) throw new Error('transactionState: not inside a transaction');
  let states = transactionStates.get(tx);
  if (!states) transactionStates.set(tx, (states = new Map<string, unknown>()));
  if (!states.has(key)) states.set(key, create());
  return states.get(key) as S;
}

/**
 * Runs `work` in one transaction on one connection: commit when it resolves, roll back when it throws; then the
 * hooks `work` registered with {@link afterCommit}. A connection whose rollback fails is destroyed rather than
 * returned to the pool.
 */
export async function transaction<T>(pool: Pool, work: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let result: T;
  let hooks: Map<string, CommitHook> | undefined;
  try {
    await client.query('begin');
    result = await work(client);
    await client.query('commit');
    hooks = commitHooks.get(client);
  } catch (error) {
    await client.query('rollback').catch((rollbackError: Error) => (broken = rollbackError));
    throw error;
  } finally {
    commitHooks.delete(client);
    transactionStates.delete(client);
    client.release(broken);
  }
  // The connection is back in the pool: a hook may need one.
  if (hooks) await Promise.all([...hooks.values()].map((hook) => hook(pool)));
  return result;
}
