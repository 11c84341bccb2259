/** A private database for one test file, cloned from the migrated template that global-setup made. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { execute, withDatabase } from './database-url.js';

export interface TestDatabase extends Database {
  readonly url: string;
  readonly name: string;
  /** What this pool's connections call themselves in pg_stat_activity. */
  readonly applicationName: string;
}

export async function createTestDatabase(poolSize = 10): Promise<TestDatabase> {
  const baseUrl = inject('databaseUrl');
  const template = inject('templateDatabase');
  const name = `roster_t_${randomBytes(4).toString('hex')}_${template.slice('roster_tpl_'.length)}`;
  await execute(baseUrl, `create database ${name} template ${template}`);
  const url = withDatabase(baseUrl, name);
  const applicationName = `roster-test-${name.slice(-24)}`.slice(0, 63);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, application_name: applicationName });
  pool.on('connect', (client) => client.on('error', () => undefined));
  // An idle client terminated by that drop reaches the pool's own 'error' event, which must not throw either.
  pool.on('error', () => undefined);
  return {
    pool,
    url,
    name,
    applicationName,
    kind: 'external',
    poolSize,
    connection: { connectionString: url },
    async close() {
      await pool.end();
      // `pool.end()` resolves before every server session has gone; dropping `with (force)` then would kill a
      // session whose client is still closing, and its FATAL 57P01 surfaces as an unhandled error elsewhere.
      // Wait for the sessions to leave first; force is only the fallback.
      for (let waited = 0; waited < 3_000; waited += 25) {
        const rows = await execute<{ n: number }>(
          baseUrl,
          'select count(*)::int as n from pg_stat_activity where datname = $1',
          [name],
        );
        if (rows[0]?.n === 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await execute(baseUrl, `drop database if exists ${name} with (force)`);
    },
  };
}
