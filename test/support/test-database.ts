/** A private database for one test file, cloned from the migrated template that global-setup made. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import type { Database } from '../../src/db/database.js';
import { withDatabase } from './database-url.js';

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
  const admin = postgres(baseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name} template ${template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(baseUrl, name);
  const applicationName = `roster-test-${name.slice(-24)}`.slice(0, 63);
  const sql = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connection: { application_name: applicationName },
  });
  return {
    sql,
    url,
    name,
    applicationName,
    kind: 'external',
    poolSize,
    async close() {
      await sql.end({ timeout: 5 });
      const cleanup = postgres(baseUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`).finally(() => cleanup.end());
    },
  };
}
