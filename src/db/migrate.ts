/**
 * Versioned migrations, applied in order at start-up. A session-level advisory lock serialises nodes that start
 * at the same time against one database: the first applies, the others wait and then find nothing left to do.
 * Each migration commits in its own transaction together with its row in `schema_migrations`.
 */
import type { Logger } from '../shared/logger.js';
import type { Sql } from './database.js';
import * as m0001 from './migrations/0001-tenants.js';

interface Migration {
  readonly name: string;
  readonly up: string;
}

export const MIGRATIONS: readonly Migration[] = [m0001];

// An arbitrary constant that names "Roster migrations" among advisory locks.
const MIGRATION_LOCK_KEY = 7_361_024_801;

export async function migrate(sql: Sql, log: Logger): Promise<string[]> {
  const applied: string[] = [];
  const conn = await sql.reserve();
  try {
    await conn`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await conn`create table if not exists schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`;
    const done = new Set(
      (await conn<{ name: string }[]>`select name from schema_migrations`).map((r) => r.name),
    );
    for (const migration of MIGRATIONS) {
      if (done.has(migration.name)) continue;
      const started = Date.now();
      await conn.unsafe('begin');
      try {
        await conn.unsafe(migration.up);
        await conn`insert into schema_migrations (name) values (${migration.name})`;
        await conn.unsafe('commit');
      } catch (error) {
        await conn.unsafe('rollback');
        throw error;
      }
      applied.push(migration.name);
      log.info({ migration: migration.name, ms: Date.now() - started }, 'applied migration');
    }
  } finally {
    await conn`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => undefined);
    conn.release();
  }
  return applied;
}

/** True when every known migration is recorded: what `/readyz` checks. */
export async function isMigrated(sql: Sql): Promise<boolean> {
  const rows = await sql<{ count: number }[]>`
    select count(*)::int as count from schema_migrations where name in ${sql(MIGRATIONS.map((m) => m.name))}`;
  return rows[0]?.count === MIGRATIONS.length;
}
