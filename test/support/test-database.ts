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
  return {
    pool,
    url,
    name,
    applicationName,
    kind: 'external',
    poolSize,
    async close() {
      await pool.end();
      await execute(baseUrl, `drop database if exists ${name} with (force)`);
    },
  };
}
