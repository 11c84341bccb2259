/**
 * The one seam between Roster and PostgreSQL: either an external server (`DATABASE_URL`) or an embedded one that
 * Roster starts in its data directory. Everything above sees only `Database`.
 */
import postgres from 'postgres';
import type { Logger } from '../shared/logger.js';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.js';

/** Anything that runs queries: the pool or an open transaction. Table functions take one first. */
export type Executor = postgres.ISql;
export type Sql = postgres.Sql;

export interface Database {
  readonly sql: Sql;
  readonly kind: 'embedded' | 'external';
  readonly poolSize: number;
  /** Closes the pool and, when embedded, stops the PostgreSQL server. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  poolSize: number;
  log: Logger;
  /** Shown in `pg_stat_activity.application_name`; the pool metrics count this node's connections by it. */
  applicationName: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { log, poolSize } = options;
  let embedded: EmbeddedPostgres | undefined;
  let sql: Sql;
  const common = {
    max: poolSize,
    onnotice: () => {},
    connection: { application_name: options.applicationName },
  } as const;
  if (options.databaseUrl) {
    sql = postgres(options.databaseUrl, common);
  } else {
    embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, database: 'roster', log });
    sql = postgres({ ...embedded.connection, ...common });
  }
  const server = embedded;
  return {
    sql,
    kind: server ? 'embedded' : 'external',
    poolSize,
    async close() {
      await sql.end({ timeout: 5 });
      if (server) await server.stop();
    },
  };
}
