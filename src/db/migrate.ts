/**
 * Versioned migrations, applied in order at start-up. A session-level advisory lock serialises nodes that start
 * at the same time against one database: the first applies, the others wait and then find nothing left to do.
 * Each migration commits in its own transaction together with its row in `schema_migrations`.
 */
import type { Logger } from '../shared/logger.js';
import { type Pool, query, sql } from './database.js';
import * as m0001 from './migrations/0001-tenants.js';
import * as m0002 from './migrations/0002-directory-resources.js';
import * as m0003 from './migrations/0003-auth-notify.js';
import * as m0004 from './migrations/0004-tolerance-counters.js';
import * as m0005 from './migrations/0005-events.js';
import * as m0006 from './migrations/0006-webhooks.js';
import * as m0007 from './migrations/0007-read-api-indexes.js';
import * as m0008 from './migrations/0008-directory-unknown-attributes.js';
import * as m0009 from './migrations/0009-directory-schemas.js';
import * as m0010 from './migrations/0010-attribute-mapping.js';
import * as m0011 from './migrations/0011-resource-counts.js';
import * as m0012 from './migrations/0012-event-queue.js';
import * as m0013 from './migrations/0013-hot-path-constraints.js';
import * as m0014 from './migrations/0014-writer-coordination.js';
import * as m0015 from './migrations/0015-prefix-statistics.js';
import * as m0016 from './migrations/0016-append-events-at-commit.js';
import * as m0017 from './migrations/0017-membership-index-only.js';
import * as m0018 from './migrations/0018-prefix-range.js';
import * as m0019 from './migrations/0019-event-batches.js';
import * as m0020 from './migrations/0020-queue-batches.js';
import * as m0021 from './migrations/0021-compact-event-rows.js';
import * as m0022 from './migrations/0022-sort-indexes.js';

interface Migration {
  readonly name: string;
  readonly up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  m0001,
  m0002,
  m0003,
  m0004,
  m0005,
  m0006,
  m0007,
  m0008,
  m0009,
  m0010,
  m0011,
  m0012,
  m0013,
  m0014,
  m0015,
  m0016,
  m0017,
  m0018,
  m0019,
  m0020,
  m0021,
  m0022,
];

// An arbitrary constant that names "Roster migrations" among advisory locks.
const MIGRATION_LOCK_KEY = 7_361_024_801;

export async function migrate(pool: Pool, log: Logger): Promise<string[]> {
  const applied: string[] = [];
  const conn = await pool.connect();
  try {
    await query(conn, sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`);
    await conn.query(`create table if not exists schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`);
    const rows = await query<{ name: string }>(conn, sql`select name from schema_migrations`);
    const done = new Set(rows.map((r) => r.name));
    for (const migration of MIGRATIONS) {
      if (done.has(migration.name)) continue;
      const started = Date.now();
      await conn.query('begin');
      try {
        // A migration is several statements: the simple query protocol runs them in one round trip.
        await conn.query(migration.up);
        await query(conn, sql`insert into schema_migrations (name) values (${migration.name})`);
        await conn.query('commit');
      } catch (error) {
        await conn.query('rollback');
        throw error;
      }
      applied.push(migration.name);
      log.info({ migration: migration.name, ms: Date.now() - started }, 'applied migration');
    }
  } finally {
    await query(conn, sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`).catch(() => undefined);
    conn.release();
  }
  return applied;
}

/** True when every known migration is recorded: what `/readyz` checks. */
export async function isMigrated(pool: Pool): Promise<boolean> {
  const rows = await query<{ count: number }>(
    pool,
    sql`select count(*)::int as count from schema_migrations where name = any(${MIGRATIONS.map((m) => m.name)})`,
  );
  return rows[0]?.count === MIGRATIONS.length;
}
