/**
 * Once per test run: find a PostgreSQL (TEST_DATABASE_URL, or an embedded server started here from the same
 * code Roster uses), migrate a template database, and hand its coordinates to the test files. Each test file then
 * clones the template (`CREATE DATABASE ... TEMPLATE`), which takes milliseconds.
 * Also compiles dist/ so tests that run the real `roster` binary see the current sources.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres.js';
import { migrate } from '../../src/db/migrate.js';
import { createLogger } from '../../src/shared/logger.js';
import { execute, withDatabase } from './database-url.js';
import { freePort } from './server-process.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    templateDatabase: string;
  }
}

/** Compiles src/ to dist/ for the tests that run the real binary. Type errors are `npm run typecheck`'s job. */
function buildDist(): void {
  const result = spawnSync(
    process.execPath,
    ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
    {
      encoding: 'utf8',
    },
  );
  if (!existsSync('dist/cli/roster.js'))
    throw new Error(`could not build dist/:\n${result.stdout}${result.stderr}`);
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  buildDist();

  let baseUrl = process.env.TEST_DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  let scratch: string | undefined;
  if (!baseUrl) {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'roster-test-pg-'));
    chmodSync(scratch, 0o755); // as root, the postgres user must be able to reach the data directory
    const port = await freePort();
    const embedded = await startEmbeddedPostgres({
      dataDir: scratch,
      database: 'postgres',
      log,
      loopbackPort: port,
    });
    baseUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    stopEmbedded = () => embedded.stop();
  }

  const run = `${process.pid}_${Date.now().toString(36)}`;
  const template = `roster_tpl_${run}`;
  await execute(baseUrl, `create database ${template}`);
  const tpl = new pg.Pool({ connectionString: withDatabase(baseUrl, template), max: 1 });
  await migrate(tpl, log);
  await tpl.end();

  project.provide('databaseUrl', baseUrl);
  project.provide('templateDatabase', template);

  return async () => {
    // Drop what this run created: the template and every per-file clone of it.
    const dbs = await execute<{ datname: string }>(
      baseUrl,
      'select datname from pg_database where datname like $1',
      [`roster_%${run}%`],
    );
    for (const { datname } of dbs) await execute(baseUrl, `drop database if exists ${datname} with (force)`);
    if (stopEmbedded) await stopEmbedded();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  };
}
